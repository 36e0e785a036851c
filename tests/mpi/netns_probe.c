/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netns_probe.c - tiny MPI pre-check for the network-namespace harness.
 *
 * Proves that MPI point-to-point and collective traffic really flows between
 * the namespaces over the TCP BTL:
 *   - every rank reports MPI_Get_processor_name() (gathered to rank 0),
 *   - a token travels once around a ring (MPI_Sendrecv, so no deadlock),
 *     each rank adding its rank number,
 *   - a 1 MiB buffer is passed around the ring (forces real TCP payload,
 *     not just the eager path),
 *   - MPI_Allreduce of the ranks must equal n*(n-1)/2.
 *
 * Usage: netns_probe            run the checks once, print a summary on rank 0
 *        netns_probe hang SECS  after the checks, loop MPI_Allreduce with a
 *                               10 ms sleep for SECS seconds (used to measure
 *                               how fast mpirun notices a lost host)
 *
 * Exit status 0 on success, 1 on a failed check (via MPI_Abort).
 */
#define _POSIX_C_SOURCE 200809L
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BIG (1024 * 1024)

static void fail(const char *what, int rank)
{
    fprintf(stderr, "netns_probe: rank %d: check failed: %s\n", rank, what);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

int main(int argc, char **argv)
{
    int rank, size, len;
    char name[MPI_MAX_PROCESSOR_NAME];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    memset(name, 0, sizeof name);
    MPI_Get_processor_name(name, &len);

    /* names of all ranks to rank 0 */
    char *all = NULL;
    if (rank == 0)
        all = calloc((size_t)size, MPI_MAX_PROCESSOR_NAME);
    MPI_Gather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all,
               MPI_MAX_PROCESSOR_NAME, MPI_CHAR, 0, MPI_COMM_WORLD);

    int next = (rank + 1) % size, prev = (rank + size - 1) % size;

    /* ring token: rank 0 starts with 0, each rank adds its rank */
    long token = 0;
    if (size > 1) {
        if (rank == 0) {
            MPI_Send(&token, 1, MPI_LONG, next, 1, MPI_COMM_WORLD);
            MPI_Recv(&token, 1, MPI_LONG, prev, 1, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(&token, 1, MPI_LONG, prev, 1, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            token += rank;
            MPI_Send(&token, 1, MPI_LONG, next, 1, MPI_COMM_WORLD);
        }
    }

    /* 1 MiB shift around the ring; content depends on sender rank */
    unsigned char *out = malloc(BIG), *in = malloc(BIG);
    if (!out || !in)
        fail("malloc", rank);
    for (int i = 0; i < BIG; i++)
        out[i] = (unsigned char)(i * 31 + rank);
    MPI_Sendrecv(out, BIG, MPI_UNSIGNED_CHAR, next, 2, in, BIG,
                 MPI_UNSIGNED_CHAR, prev, 2, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    for (int i = 0; i < BIG; i++)
        if (in[i] != (unsigned char)(i * 31 + prev))
            fail("1 MiB ring payload corrupted", rank);

    long sum = 0, mine = rank;
    MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    if (sum != (long)size * (size - 1) / 2)
        fail("allreduce sum", rank);

    if (rank == 0) {
        if (size > 1 && token != (long)size * (size - 1) / 2)
            fail("ring token", rank);
        printf("netns_probe: size=%d ring=%ld allreduce=%ld payload=1MiB ok\n",
               size, token, sum);
        for (int r = 0; r < size; r++)
            printf("netns_probe: rank %d on %s\n", r,
                   all + (size_t)r * MPI_MAX_PROCESSOR_NAME);
        fflush(stdout);
        free(all);
    }
    free(out);
    free(in);

    if (argc >= 3 && strcmp(argv[1], "hang") == 0) {
        double until = MPI_Wtime() + atof(argv[2]);
        struct timespec ts = {0, 10 * 1000 * 1000};
        int go = 1;
        while (go) {
            int local = MPI_Wtime() < until, all_go = 0;
            MPI_Allreduce(&local, &all_go, 1, MPI_INT, MPI_LAND,
                          MPI_COMM_WORLD);
            go = all_go;
            nanosleep(&ts, NULL);
        }
    }

    MPI_Finalize();
    return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* The MPI start of the mpi suite: MPI_Init, a barrier, MPI_Finalize, and
 * nothing else, so that `mpirun -np N mpi_hello` times what any MPI program
 * pays before and after its work. */
#include <mpi.h>

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	MPI_Barrier(MPI_COMM_WORLD);
	MPI_Finalize();
	return 0;
}

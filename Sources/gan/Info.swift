import ArgumentParser
import GANTensor

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the version, the matrix-product backend, the thread count and whether MPI is available.",
        discussion: """
        Environment:
          GAN_NUM_THREADS  threads kernels use (default 2)
          GAN_BLAS         'openblas' or a CBLAS library path to use BLAS
                           (default: the built-in GEMM)
          GAN_KERNELS_ISA  force the built-in kernels' instruction set: avx512,
                           avx2 or generic
          GAN_MPI          Open MPI's libmpi for `gan train --distributed mpi`
                           (default libmpi.so.40)
          GAN_INCEPTION_WINOGRAD
                           0: Inception's 3×3 convolutions by im2col instead of
                           Winograd (default 1)
        """
    )

    func run() throws {
        print("swift-gan \(GANTensorVersion.string)")
        print("matrix products: \(GEMM.backendDescription)")
        print("kernel instruction set: \(Kernels.instructionSet)")
        print("threads: \(Parallel.threadCount)")
        print("MPI (gan train --distributed mpi): \(MPILibrary.description)")
    }
}

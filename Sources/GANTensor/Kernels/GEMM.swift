import GANKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Matrix products: the built-in kernels, or a CBLAS library loaded at run time.
///
/// `GAN_BLAS` picks the backend: unset or `builtin` runs the package's own GEMM (measured
/// faster than Debian's OpenBLAS 0.3.21 here, and the same bits on every run); `openblas`
/// loads `libopenblas.so.0`; any other value is a CBLAS library path or soname to load.
/// Unless `builtin` is named, OpenBLAS is still probed so the two can be compared
/// (`gan bench kernels --compare-builtin`, the tests). Nothing is linked at build time, so
/// `swift build` needs no BLAS headers.
public enum GEMM {
    /// Where matrix products run.
    public enum Backend: Sendable, Equatable {
        /// A CBLAS library loaded with `dlopen`.
        case blas(library: String)
        /// The package's own blocked SIMD GEMM (`GANKernels`).
        case builtin
    }

    private typealias CBLASSgemm = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Float,
        UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32, Float,
        UnsafeMutablePointer<Float>?, Int32) -> Void
    private typealias SetThreads = @convention(c) (Int32) -> Void

    private struct Loaded: @unchecked Sendable {
        let backend: Backend
        let library: String?
        let sgemm: CBLASSgemm?
    }

    private static let loaded: Loaded = {
        let request = getenv("GAN_BLAS").map { String(cString: $0) } ?? ""
        if request == "builtin" || request == "none" { return Loaded(backend: .builtin, library: nil, sgemm: nil) }
        let library = request.isEmpty || request == "openblas" ? "libopenblas.so.0" : request
        // OpenBLAS 0.3.21 does not recognise newer CPUs and falls back to its slow Prescott
        // kernel; name the core our own dispatch found, unless the user already chose one.
        if getenv("OPENBLAS_CORETYPE") == nil {
            switch String(cString: gk_isa_name()) {
            case "avx512": setenv("OPENBLAS_CORETYPE", "SkylakeX", 0)
            case "avx2": setenv("OPENBLAS_CORETYPE", "Haswell", 0)
            default: break
            }
        }
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL),
              let symbol = dlsym(handle, "cblas_sgemm") else {
            if !request.isEmpty {
                fputs("gan: GAN_BLAS=\(request): cannot load a CBLAS library (\(library)); using the built-in GEMM\n", stderr)
            }
            return Loaded(backend: .builtin, library: nil, sgemm: nil)
        }
        // One BLAS thread per call: our own loops split work across cores, and OpenBLAS's
        // pool threads busy-wait after a call, fighting whatever runs next.
        for name in ["openblas_set_num_threads", "bli_thread_set_num_threads", "MKL_Set_Num_Threads"] {
            if let set = dlsym(handle, name) {
                unsafeBitCast(set, to: SetThreads.self)(1)
            }
        }
        return Loaded(backend: request.isEmpty ? .builtin : .blas(library: library), library: library,
                      sgemm: unsafeBitCast(symbol, to: CBLASSgemm.self))
    }()

    /// The backend matrix products use in this process.
    public static var backend: Backend { loaded.backend }

    /// Whether a CBLAS library was loaded (in use, or available for comparison).
    public static var isBLASAvailable: Bool { loaded.sgemm != nil }

    /// The loaded CBLAS library as a backend, when one was found.
    public static var blasBackend: Backend? { loaded.library.map { .blas(library: $0) } }

    /// A one-line description, e.g. `built-in GEMM (avx512)` or `BLAS (libopenblas.so.0)`.
    public static var backendDescription: String { describe(loaded.backend) }

    /// A one-line description of `backend`.
    public static func describe(_ backend: Backend) -> String {
        switch backend {
        case .blas(let library): return "BLAS (\(library))"
        case .builtin: return "built-in GEMM (\(String(cString: gk_isa_name())))"
        }
    }

    /// `C[m,n] = alpha * op(A) @ op(B) + beta * C`, row-major, split across threads.
    ///
    /// - Parameters:
    ///   - transposeA: `A` is stored `[k, m]` (leading dimension `lda`) rather than `[m, k]`.
    ///   - transposeB: `B` is stored `[n, k]` rather than `[k, n]`.
    ///   - backend: Force a backend; `nil` uses `GEMM.backend`.
    public static func multiply(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, backend: Backend? = nil,
        parallel: Bool = true
    ) {
        if m == 0 || n == 0 { return }
        let useBLAS: Bool
        switch backend ?? loaded.backend {
        case .blas: useBLAS = loaded.sgemm != nil
        case .builtin: useBLAS = false
        }
        func run(_ rows: Range<Int>, _ cols: Range<Int>) {
            let aBlock = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
            let bBlock = transposeB ? b + cols.lowerBound * ldb : b + cols.lowerBound
            let cBlock = c + rows.lowerBound * ldc + cols.lowerBound
            if useBLAS, let sgemm = loaded.sgemm {
                sgemm(101, transposeA ? 112 : 111, transposeB ? 112 : 111,
                      Int32(rows.count), Int32(cols.count), Int32(k), alpha, aBlock, Int32(lda),
                      bBlock, Int32(ldb), beta, cBlock, Int32(ldc))
            } else {
                gk_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, rows.count, cols.count, k, alpha,
                         aBlock, lda, bBlock, ldb, beta, cBlock, ldc)
            }
        }
        split(m: m, n: n, k: k, parallel: parallel, run)
    }

    /// Runs `run(rows, columns)` on blocks of `C [m, n]` across threads: by rows in multiples of
    /// the 12-row micro-tile when each thread gets enough rows, otherwise by columns in multiples
    /// of the 32-column tile; one block on the calling thread for small products.
    static func split(m: Int, n: Int, k: Int, parallel: Bool, _ run: (Range<Int>, Range<Int>) -> Void) {
        let threads = Parallel.threadCount
        if !parallel || threads == 1 || 2 * m * n * max(k, 1) < 1 << 21 {
            run(0..<m, 0..<n)
            return
        }
        let rowTiles = (m + 11) / 12
        if m >= 48 * threads || n < 64 {
            Parallel.forEachChunk(threads, costPerItem: Parallel.minimumParallelWork) { chunk in
                for t in chunk {
                    let lo = min(m, rowTiles * t / threads * 12), hi = min(m, rowTiles * (t + 1) / threads * 12)
                    if lo < hi { run(lo..<hi, 0..<n) }
                }
            }
        } else {
            let tiles = (n + 31) / 32
            Parallel.forEachChunk(threads, costPerItem: Parallel.minimumParallelWork) { chunk in
                for t in chunk {
                    let lo = min(n, tiles * t / threads * 32), hi = min(n, tiles * (t + 1) / threads * 32)
                    if lo < hi { run(0..<m, lo..<hi) }
                }
            }
        }
    }
}

extension GEMM {
    /// An operand's panels packed once for the built-in GEMM: `count` floats that `pack` fills,
    /// returning the ISA it packed for. Nil with a BLAS backend or when `count` is 0 (an empty
    /// operand): the product then calls `multiply` on the operand itself.
    static func packOnce(count: Int, _ pack: (UnsafeMutablePointer<Float>) -> Int32)
        -> (storage: TensorStorage, isa: Int32)? {
        guard case .builtin = GEMM.backend, count > 0 else { return nil }
        let storage = TensorStorage(uninitializedCount: count)
        return (storage, pack(storage.base))
    }

    /// A left operand `A [m, k]` packed once for many products `A · B` (a convolution weight
    /// multiplied into every band and chunk of im2col columns), the same bits as `multiply`.
    /// With a BLAS backend nothing is packed and each product is a plain `multiply` of `A`,
    /// which must then stay alive as long as this value.
    struct PackedA {
        let m: Int, k: Int
        /// `A` itself, for the BLAS backend.
        let a: UnsafePointer<Float>, lda: Int
        /// The packed panels and the ISA they were packed for (nil with BLAS).
        let packed: (storage: TensorStorage, isa: Int32)?

        init(m: Int, k: Int, a: UnsafePointer<Float>, lda: Int) {
            self.m = m
            self.k = k
            self.a = a
            self.lda = lda
            packed = GEMM.packOnce(count: m > 0 && k > 0 ? gk_sgemm_packed_a_count(m, k) : 0) {
                gk_sgemm_pack_a(m, k, a, lda, $0)
            }
        }

        /// `C[m, n] = A · B[k, n]`; `parallel` splits the columns across threads.
        func multiply(n: Int, b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                      parallel: Bool = true) {
            guard let packed else {
                GEMM.multiply(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, parallel: parallel)
                return
            }
            if m == 0 || n == 0 { return }
            let threads = Parallel.threadCount
            if !parallel || threads == 1 || 2 * m * n * Swift.max(k, 1) < 1 << 21 || n < 64 {
                gk_sgemm_packed_a(packed.isa, m, n, k, packed.storage.base, b, ldb, 0, c, ldc)
                return
            }
            let tiles = (n + 31) / 32
            Parallel.forEachChunk(threads, costPerItem: Parallel.minimumParallelWork) { chunk in
                for t in chunk {
                    let lo = Swift.min(n, tiles * t / threads * 32), hi = Swift.min(n, tiles * (t + 1) / threads * 32)
                    if lo < hi {
                        gk_sgemm_packed_a(packed.isa, m, hi - lo, k, packed.storage.base, b + lo, ldb, 0, c + lo, ldc)
                    }
                }
            }
        }
    }
}

extension GEMM {
    /// A right operand `op(B) [k, n]` packed once for many products `A · op(B)` (a Linear
    /// layer's weight in inference), the same bits as `multiply`. With a BLAS backend nothing is
    /// packed and each product is a plain `multiply` of `B`, which must then stay alive as long as
    /// this value.
    struct PackedB {
        let n: Int, k: Int
        /// `B` itself, for the BLAS backend.
        let b: UnsafePointer<Float>, ldb: Int, transposed: Bool
        /// The packed panels and the ISA they were packed for (nil with BLAS).
        let packed: (storage: TensorStorage, isa: Int32)?

        init(n: Int, k: Int, b: UnsafePointer<Float>, ldb: Int, transposed: Bool) {
            self.n = n
            self.k = k
            self.b = b
            self.ldb = ldb
            self.transposed = transposed
            packed = GEMM.packOnce(count: n > 0 && k > 0 ? gk_sgemm_packed_b_count(n, k) : 0) {
                gk_sgemm_pack_b(transposed ? 1 : 0, n, k, b, ldb, $0)
            }
        }

        /// `C[m, n] = A[m, k] · op(B)`, split across threads as `multiply` splits it.
        func multiply(m: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
            guard let packed else {
                GEMM.multiply(transposeB: transposed, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
                return
            }
            if m == 0 || n == 0 { return }
            func run(_ rows: Range<Int>, _ cols: Range<Int>) {
                gk_sgemm_packed_b(packed.isa, 0, rows.count, cols.count, k, a + rows.lowerBound * lda, lda,
                                  packed.storage.base, n, cols.lowerBound, 0, c + rows.lowerBound * ldc + cols.lowerBound, ldc)
            }
            GEMM.split(m: m, n: n, k: k, parallel: true, run)
        }
    }
}

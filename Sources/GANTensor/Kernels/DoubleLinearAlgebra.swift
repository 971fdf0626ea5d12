#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Double-precision dense linear algebra for the sample-quality metrics: matrix products and
/// the symmetric eigendecomposition the Fréchet distance needs.
///
/// When `GEMM` found a BLAS library (even if the built-in GEMM is the one in use), its
/// `cblas_dgemm` and LAPACK `dsyevd_` serve; OpenBLAS ships both. Otherwise, or with
/// `GAN_BLAS=builtin`, a built-in blocked product and a Householder tridiagonalisation with
/// implicit QL (EISPACK's `tred2`/`tql2`) run instead. The metrics need precision, not
/// bit-reproducibility, which is why the library is preferred here while `GEMM` defaults to
/// its own kernels. Matrices are row-major `[Double]`.
///
/// ```swift
/// let (values, vectors) = DoubleLinearAlgebra.symmetricEigen(covariance, dimension: d)
/// // values ascending; row i of `vectors` ([d, d]) is the eigenvector of values[i]
/// ```
public enum DoubleLinearAlgebra {
    /// Where products and eigendecompositions run.
    public enum Backend: Sendable, Equatable {
        /// `cblas_dgemm` and `dsyevd_` from a library loaded with `dlopen`.
        case lapack(library: String)
        /// The package's own loops.
        case builtin
    }

    private typealias CBLASDgemm = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Double,
        UnsafePointer<Double>?, Int32, UnsafePointer<Double>?, Int32, Double,
        UnsafeMutablePointer<Double>?, Int32) -> Void
    // Fortran: JOBZ, UPLO, N, A, LDA, W, WORK, LWORK, IWORK, LIWORK, INFO, then gfortran's
    // hidden lengths of the two character arguments.
    private typealias LAPACKDsyevd = @convention(c) (
        UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafePointer<Int32>,
        UnsafeMutablePointer<Double>, UnsafePointer<Int32>, UnsafeMutablePointer<Double>,
        UnsafeMutablePointer<Double>, UnsafePointer<Int32>, UnsafeMutablePointer<Int32>,
        UnsafePointer<Int32>, UnsafeMutablePointer<Int32>, Int, Int) -> Void

    private struct Loaded: @unchecked Sendable {
        let library: String?
        let dgemm: CBLASDgemm?
        let dsyevd: LAPACKDsyevd?
    }

    // The library `GEMM` loaded (it set the thread count and core type); opening it again
    // only takes another reference.
    private static let loaded: Loaded = {
        guard case .blas(let library)? = GEMM.blasBackend,
              let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
            return Loaded(library: nil, dgemm: nil, dsyevd: nil)
        }
        guard let dgemm = dlsym(handle, "cblas_dgemm"), let dsyevd = dlsym(handle, "dsyevd_") else {
            if getenv("GAN_BLAS") != nil {
                fputs("gan: \(library) has no cblas_dgemm/dsyevd_; metrics use the built-in eigensolver\n", stderr)
            }
            return Loaded(library: nil, dgemm: nil, dsyevd: nil)
        }
        return Loaded(library: library, dgemm: unsafeBitCast(dgemm, to: CBLASDgemm.self),
                      dsyevd: unsafeBitCast(dsyevd, to: LAPACKDsyevd.self))
    }()

    /// The backend used when none is named: LAPACK when a library was found, else built-in.
    public static var backend: Backend { lapackBackend ?? .builtin }

    /// The LAPACK backend, when a library with `cblas_dgemm` and `dsyevd_` was found.
    public static var lapackBackend: Backend? { loaded.library.map { .lapack(library: $0) } }

    /// A one-line description, e.g. `LAPACK (libopenblas.so.0)`.
    public static var backendDescription: String { describe(backend) }

    /// A one-line description of `backend`.
    public static func describe(_ backend: Backend) -> String {
        switch backend {
        case .lapack(let library): return "LAPACK (\(library))"
        case .builtin: return "built-in (Householder + implicit QL)"
        }
    }

    private static func usesLAPACK(_ backend: Backend?) -> Bool {
        if case .lapack = backend ?? self.backend { return loaded.library != nil }
        return false
    }

    // MARK: Products

    /// `C[m, n] = alpha * op(A) @ op(B) + beta * C`, row-major, split across threads.
    ///
    /// - Parameters:
    ///   - a: `[m, k]`, or `[k, m]` when `transposeA`.
    ///   - b: `[k, n]`, or `[n, k]` when `transposeB`.
    ///   - c: `[m, n]`; read only when `beta` is not 0.
    public static func multiply(
        _ a: [Double], _ b: [Double], m: Int, n: Int, k: Int,
        transposeA: Bool = false, transposeB: Bool = false, alpha: Double = 1, beta: Double = 0,
        into c: inout [Double], backend: Backend? = nil
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0 && a.count == m * k && b.count == k * n && c.count == m * n,
                     "DoubleLinearAlgebra.multiply: operands of \(a.count), \(b.count), \(c.count) values do not fit m \(m), n \(n), k \(k)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            // Nothing to multiply (and BLAS rejects a leading dimension of 0).
            for i in 0..<c.count { c[i] = beta == 0 ? 0 : beta * c[i] }
            return
        }
        let lapack = usesLAPACK(backend)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    if lapack, let dgemm = loaded.dgemm {
                        blasMultiply(dgemm, pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, m: m, n: n, k: k,
                                     transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
                    } else {
                        builtinMultiply(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, m: m, n: n, k: k,
                                        transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
                    }
                }
            }
        }
    }

    /// `op(A) @ op(B)` as a new `[m, n]` array; see `multiply(_:_:m:n:k:transposeA:transposeB:alpha:beta:into:backend:)`.
    public static func product(
        _ a: [Double], _ b: [Double], m: Int, n: Int, k: Int,
        transposeA: Bool = false, transposeB: Bool = false, backend: Backend? = nil
    ) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        multiply(a, b, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, into: &c, backend: backend)
        return c
    }

    /// The loaded BLAS is single-threaded (see `GEMM`), so C is split into row (or column)
    /// blocks here, one call per thread.
    private static func blasMultiply(
        _ dgemm: CBLASDgemm, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>,
        m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double
    ) {
        let lda = transposeA ? m : k, ldb = transposeB ? k : n
        func run(_ rows: Range<Int>, _ cols: Range<Int>) {
            let aBlock = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
            let bBlock = transposeB ? b + cols.lowerBound * ldb : b + cols.lowerBound
            dgemm(101, transposeA ? 112 : 111, transposeB ? 112 : 111, Int32(rows.count), Int32(cols.count),
                  Int32(k), alpha, aBlock, Int32(lda), bBlock, Int32(ldb), beta,
                  c + rows.lowerBound * n + cols.lowerBound, Int32(n))
        }
        splitAcrossThreads(m: m, n: n, k: k, run)
    }

    private static func splitAcrossThreads(m: Int, n: Int, k: Int, _ run: (Range<Int>, Range<Int>) -> Void) {
        let threads = Parallel.threadCount
        if threads == 1 || 2 * m * n * max(k, 1) < 1 << 21 {
            run(0..<m, 0..<n)
        } else if m >= 16 * threads || n < 16 * threads {
            Parallel.forEachChunk(threads, costPerItem: Parallel.minimumParallelWork) { chunk in
                for t in chunk where m * t / threads < m * (t + 1) / threads {
                    run((m * t / threads)..<(m * (t + 1) / threads), 0..<n)
                }
            }
        } else {
            // Column blocks in multiples of 4, the built-in kernel's tile width.
            let tiles = (n + 3) / 4
            Parallel.forEachChunk(threads, costPerItem: Parallel.minimumParallelWork) { chunk in
                for t in chunk {
                    let lo = min(n, tiles * t / threads * 4), hi = min(n, tiles * (t + 1) / threads * 4)
                    if lo < hi { run(0..<m, lo..<hi) }
                }
            }
        }
    }

    /// Transposed operands are copied to row-major first (O(n²) against the O(n³) product),
    /// so one kernel serves: 4×4 register tiles of `C` over 128-deep slices of `k`.
    private static func builtinMultiply(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>,
        m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double
    ) {
        let aRows = transposeA ? transposedCopy(a, rows: k, columns: m) : nil
        let bRows = transposeB ? transposedCopy(b, rows: n, columns: k) : nil
        defer { aRows?.deallocate(); bRows?.deallocate() }
        let pa = aRows.map { UnsafePointer($0) } ?? a, pb = bRows.map { UnsafePointer($0) } ?? b
        splitAcrossThreads(m: m, n: n, k: k) { rows, cols in
            for i in rows {
                let row = c + i * n
                if beta == 0 {
                    for j in cols { row[j] = 0 }
                } else if beta != 1 {
                    for j in cols { row[j] *= beta }
                }
            }
            var k0 = 0
            while k0 < k {
                let depth = min(128, k - k0)
                var j0 = cols.lowerBound
                while j0 < cols.upperBound {
                    let width = min(256, cols.upperBound - j0)
                    multiplyBlock(pa + k0, lda: k, pb + k0 * n + j0, ldb: n, c + j0, ldc: n,
                                  rows: rows, width: width, depth: depth, alpha: alpha)
                    j0 += width
                }
                k0 += depth
            }
        }
    }

    /// `C[rows, 0..<width] += alpha * A[rows, 0..<depth] @ B[0..<depth, 0..<width]`.
    @inline(__always)
    private static func multiplyBlock(
        _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
        _ c: UnsafeMutablePointer<Double>, ldc: Int, rows: Range<Int>, width: Int, depth: Int, alpha: Double
    ) {
        var i = rows.lowerBound
        while i + 4 <= rows.upperBound {
            let a0 = a + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
            let c0 = c + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc
            var j = 0
            while j + 4 <= width {
                var s0 = SIMD4<Double>(), s1 = SIMD4<Double>(), s2 = SIMD4<Double>(), s3 = SIMD4<Double>()
                var bp = b + j
                for p in 0..<depth {
                    let v = UnsafeRawPointer(bp).loadUnaligned(as: SIMD4<Double>.self)
                    s0 += a0[p] * v
                    s1 += a1[p] * v
                    s2 += a2[p] * v
                    s3 += a3[p] * v
                    bp += ldb
                }
                addTile(c0 + j, alpha * s0)
                addTile(c1 + j, alpha * s1)
                addTile(c2 + j, alpha * s2)
                addTile(c3 + j, alpha * s3)
                j += 4
            }
            while j < width {
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                for p in 0..<depth {
                    let v = b[p * ldb + j]
                    s0 += a0[p] * v; s1 += a1[p] * v; s2 += a2[p] * v; s3 += a3[p] * v
                }
                c0[j] += alpha * s0; c1[j] += alpha * s1; c2[j] += alpha * s2; c3[j] += alpha * s3
                j += 1
            }
            i += 4
        }
        while i < rows.upperBound {
            let ai = a + i * lda, ci = c + i * ldc
            for p in 0..<depth {
                let s = alpha * ai[p], bp = b + p * ldb
                for j in 0..<width { ci[j] += s * bp[j] }
            }
            i += 1
        }
    }

    @inline(__always)
    private static func addTile(_ p: UnsafeMutablePointer<Double>, _ v: SIMD4<Double>) {
        let raw = UnsafeMutableRawPointer(p)
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD4<Double>.self) + v, as: SIMD4<Double>.self)
    }

    private static func transposedCopy(_ x: UnsafePointer<Double>, rows: Int, columns: Int) -> UnsafeMutablePointer<Double> {
        let out = UnsafeMutablePointer<Double>.allocate(capacity: max(rows * columns, 1))
        // 32×32 tiles keep both sides in cache.
        for i0 in stride(from: 0, to: rows, by: 32) {
            for j0 in stride(from: 0, to: columns, by: 32) {
                for i in i0..<min(i0 + 32, rows) {
                    for j in j0..<min(j0 + 32, columns) { out[j * rows + i] = x[i * columns + j] }
                }
            }
        }
        return out
    }

    // MARK: Symmetric eigendecomposition

    /// Eigenvalues (ascending) and eigenvectors of a symmetric `[n, n]` matrix.
    ///
    /// The matrix must be finite and symmetric: each solver reads only one triangle, and not
    /// the same one.
    ///
    /// - Returns: `values` (`[n]`, ascending) and `vectors` (`[n, n]`, row `i` the unit
    ///   eigenvector of `values[i]`), so `matrix = vectorsᵀ · diag(values) · vectors`.
    public static func symmetricEigen(
        _ matrix: [Double], dimension n: Int, backend: Backend? = nil
    ) -> (values: [Double], vectors: [Double]) {
        let result = eigen(matrix, n: n, vectors: true, backend: backend)
        return (result.values, result.vectors)
    }

    /// The eigenvalues (ascending) of a symmetric `[n, n]` matrix; cheaper than
    /// `symmetricEigen`, which also forms the eigenvectors.
    public static func symmetricEigenvalues(_ matrix: [Double], dimension n: Int, backend: Backend? = nil) -> [Double] {
        eigen(matrix, n: n, vectors: false, backend: backend).values
    }

    private static func eigen(_ matrix: [Double], n: Int, vectors: Bool, backend: Backend?) -> (values: [Double], vectors: [Double]) {
        precondition(n >= 0 && matrix.count == n * n,
                     "DoubleLinearAlgebra.symmetricEigen: \(matrix.count) values do not fill [\(n), \(n)]")
        precondition(matrix.allSatisfy { $0.isFinite }, "DoubleLinearAlgebra.symmetricEigen: the matrix has a NaN or infinite value")
        if n == 0 { return ([], []) }
        if usesLAPACK(backend), let dsyevd = loaded.dsyevd,
           let result = lapackEigen(dsyevd, matrix, n: n, vectors: vectors) {
            return result
        }
        return builtinEigen(matrix, n: n, vectors: vectors)
    }

    /// `nil` when LAPACK reports a failure, so the built-in solver can try.
    private static func lapackEigen(
        _ dsyevd: LAPACKDsyevd, _ matrix: [Double], n: Int, vectors: Bool
    ) -> (values: [Double], vectors: [Double])? {
        // Row-major symmetric is column-major symmetric; the column-major eigenvector
        // columns come back as our rows.
        guard 2 * n * n + 6 * n + 1 <= Int(Int32.max) else { return nil }
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        var size = Int32(n), info: Int32 = 0
        var job: CChar = vectors ? 86 : 78  // "V" or "N"
        var lower: CChar = 76  // "L"
        var query = [Double](repeating: 0, count: 1), iquery = [Int32](repeating: 0, count: 1)
        var minusOne: Int32 = -1
        a.withUnsafeMutableBufferPointer { pa in
            dsyevd(&job, &lower, &size, pa.baseAddress!, &size, &w, &query, &minusOne, &iquery, &minusOne, &info, 1, 1)
        }
        guard info == 0 else { return nil }
        var lwork = Int32(max(query[0].rounded(.up), Double(vectors ? 1 + 6 * n + 2 * n * n : 2 * n + 1)))
        var liwork = max(iquery[0], Int32(vectors ? 3 + 5 * n : 1))
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        a.withUnsafeMutableBufferPointer { pa in
            dsyevd(&job, &lower, &size, pa.baseAddress!, &size, &w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        }
        guard info == 0 else { return nil }
        return (w, vectors ? a : [])
    }

    /// EISPACK `tred2` then `tql2` (as in JAMA), on the transpose of JAMA's `V`: every inner
    /// loop then runs along a row, and each eigenvector ends up as a row.
    private static func builtinEigen(_ matrix: [Double], n: Int, vectors: Bool) -> (values: [Double], vectors: [Double]) {
        var w = matrix
        var d = [Double](repeating: 0, count: n), e = [Double](repeating: 0, count: n)
        w.withUnsafeMutableBufferPointer { pw in
            d.withUnsafeMutableBufferPointer { pd in
                e.withUnsafeMutableBufferPointer { pe in
                    tridiagonalize(pw.baseAddress!, pd.baseAddress!, pe.baseAddress!, n: n, vectors: vectors)
                    diagonalize(pw.baseAddress!, pd.baseAddress!, pe.baseAddress!, n: n, vectors: vectors)
                }
            }
        }
        let order = (0..<n).sorted { d[$0] < d[$1] }
        let values = order.map { d[$0] }
        guard vectors else { return (values, []) }
        var sorted = [Double](repeating: 0, count: n * n)
        for (row, source) in order.enumerated() {
            for k in 0..<n { sorted[row * n + k] = w[source * n + k] }
        }
        return (values, sorted)
    }

    /// Householder reduction to tridiagonal form: diagonal in `d`, subdiagonal in `e[1...]`,
    /// and (with `vectors`) the orthogonal transformation accumulated in `w`.
    /// `w[j * n + k]` is JAMA's `V[k][j]`.
    private static func tridiagonalize(
        _ w: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>, _ e: UnsafeMutablePointer<Double>,
        n: Int, vectors: Bool
    ) {
        let threads = Parallel.threadCount
        let newD = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: n * threads)
        defer { newD.deallocate(); partial.deallocate() }
        for j in 0..<n { d[j] = w[j * n + n - 1] }
        for i in stride(from: n - 1, to: 0, by: -1) {
            var scale = 0.0, h = 0.0
            for k in 0..<i { scale += abs(d[k]) }
            if scale == 0 {
                e[i] = d[i - 1]
                for j in 0..<i {
                    d[j] = w[j * n + i - 1]
                    w[j * n + i] = 0
                    w[i * n + j] = 0
                }
                d[i] = h
                continue
            }
            for k in 0..<i {
                d[k] /= scale
                h += d[k] * d[k]
            }
            var f = d[i - 1]
            let g = f > 0 ? -h.squareRoot() : h.squareRoot()
            e[i] = scale * g
            h -= f * g
            d[i - 1] = f - g
            // e = S d for the leading i×i block S (upper triangle of w's rows), each thread
            // summing into its own partial vector over rows of equal triangle area.
            let chunks = i * i >= 1 << 16 ? threads : 1
            Parallel.forEachChunk(chunks, costPerItem: Parallel.minimumParallelWork) { range in
                for t in range {
                    let lo = triangleSplit(i, t, chunks), hi = triangleSplit(i, t + 1, chunks)
                    let acc = partial + t * n
                    for k in 0..<i { acc[k] = 0 }
                    for j in lo..<hi {
                        let fj = d[j], row = w + j * n
                        w[i * n + j] = fj
                        var gj = acc[j] + row[j] * fj
                        for k in (j + 1)..<i {
                            gj += row[k] * d[k]
                            acc[k] += row[k] * fj
                        }
                        acc[j] = gj
                    }
                }
            }
            for k in 0..<i {
                var s = 0.0
                for t in 0..<chunks { s += partial[t * n + k] }
                e[k] = s
            }
            f = 0
            for j in 0..<i {
                e[j] /= h
                f += e[j] * d[j]
            }
            let hh = f / (h + h)
            for j in 0..<i { e[j] -= hh * d[j] }
            // Rank-2 update of the block; each row is independent.
            Parallel.forEachChunk(chunks, costPerItem: Parallel.minimumParallelWork) { range in
                for t in range {
                    for j in triangleSplit(i, t, chunks)..<triangleSplit(i, t + 1, chunks) {
                        let fj = d[j], gj = e[j], row = w + j * n
                        for k in j..<i { row[k] -= fj * e[k] + gj * d[k] }
                        newD[j] = row[i - 1]
                        row[i] = 0
                    }
                }
            }
            for j in 0..<i { d[j] = newD[j] }
            d[i] = h
        }
        // Accumulate the transformations (or, without vectors, only collect the diagonal).
        for i in 0..<(n - 1) {
            w[i * n + n - 1] = w[i * n + i]
            w[i * n + i] = 1
            let h = d[i + 1]
            guard vectors else { continue }
            let pivot = w + (i + 1) * n
            if h != 0 {
                for k in 0...i { d[k] = pivot[k] / h }
                Parallel.forEachChunk(i + 1, costPerItem: 2 * (i + 1)) { range in
                    for j in range {
                        let row = w + j * n
                        var g = 0.0
                        for k in 0...i { g += pivot[k] * row[k] }
                        for k in 0...i { row[k] -= g * d[k] }
                    }
                }
            }
            for k in 0...i { pivot[k] = 0 }
        }
        for j in 0..<n {
            d[j] = w[j * n + n - 1]
            w[j * n + n - 1] = 0
        }
        w[(n - 1) * n + n - 1] = 1
        e[0] = 0
    }

    /// The row where chunk `t` of `chunks` starts when rows `0..<i` of a triangle of
    /// `i - j` elements per row are split into equal areas.
    @inline(__always)
    private static func triangleSplit(_ i: Int, _ t: Int, _ chunks: Int) -> Int {
        if t >= chunks { return i }
        return Int((Double(i) * (1 - (1 - Double(t) / Double(chunks)).squareRoot())).rounded())
    }

    /// Implicit QL on the tridiagonal matrix (diagonal `d`, subdiagonal `e[1...]`), leaving
    /// the eigenvalues in `d` and rotating the rows of `w` into eigenvectors.
    private static func diagonalize(
        _ w: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>, _ e: UnsafeMutablePointer<Double>,
        n: Int, vectors: Bool
    ) {
        for i in 1..<max(n, 1) { e[i - 1] = e[i] }
        e[n - 1] = 0
        let cosines = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let sines = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { cosines.deallocate(); sines.deallocate() }
        var f = 0.0, largest = 0.0
        let eps = Double.ulpOfOne
        for l in 0..<n {
            largest = max(largest, abs(d[l]) + abs(e[l]))
            var m = l
            while m < n - 1 && abs(e[m]) > eps * largest { m += 1 }
            var iterations = 0
            while m > l && abs(e[l]) > eps * largest && iterations < 60 {
                iterations += 1
                var g = d[l]
                var p = (d[l + 1] - g) / (2 * e[l])
                var r = (p * p + 1).squareRoot()
                if p < 0 { r = -r }
                d[l] = e[l] / (p + r)
                d[l + 1] = e[l] * (p + r)
                let dl1 = d[l + 1]
                var h = g - d[l]
                for i in (l + 2)..<max(l + 2, n) { d[i] -= h }
                f += h
                p = d[m]
                var c = 1.0, c2 = 1.0, c3 = 1.0, s = 0.0, s2 = 0.0
                let el1 = e[l + 1]
                for i in stride(from: m - 1, through: l, by: -1) {
                    c3 = c2
                    c2 = c
                    s2 = s
                    g = c * e[i]
                    h = c * p
                    r = (p * p + e[i] * e[i]).squareRoot()
                    e[i + 1] = s * r
                    s = e[i] / r
                    c = p / r
                    p = c * d[i] - s * g
                    d[i + 1] = h + s * (c * g + s * d[i])
                    cosines[i] = c
                    sines[i] = s
                }
                p = -s * s2 * c3 * el1 * e[l] / dl1
                e[l] = s * p
                d[l] = c * p
                if vectors { rotateRows(w, n: n, from: m - 1, through: l, cosines, sines) }
            }
            d[l] += f
            e[l] = 0
        }
    }

    /// Applies a sweep's rotations (rows `i` and `i + 1`, for `i` from `top` down to
    /// `bottom`; the scalar recurrence never reads `w`, so they can wait until the sweep is
    /// done), each thread over its own columns. Queuing many sweeps and applying them block
    /// by block measured no faster: the rotations are bound by arithmetic, not memory.
    private static func rotateRows(
        _ w: UnsafeMutablePointer<Double>, n: Int, from top: Int, through bottom: Int,
        _ cosines: UnsafePointer<Double>, _ sines: UnsafePointer<Double>
    ) {
        let columnBlocks = (n + 7) / 8
        Parallel.forEachChunk(columnBlocks, costPerItem: 48 * (top - bottom + 1)) { blocks in
            let lo = blocks.lowerBound * 8, hi = min(n, blocks.upperBound * 8)
            for i in stride(from: top, through: bottom, by: -1) {
                let c = cosines[i], s = sines[i]
                let row = w + i * n, next = row + n
                for k in lo..<hi {
                    let h = next[k]
                    next[k] = s * row[k] + c * h
                    row[k] = c * row[k] - s * h
                }
            }
        }
    }
}

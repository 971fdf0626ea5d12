import Testing
import GANKernels
@testable import GANTensor
import GANTestSupport

struct LinearAlgebraTests {
    @Test func matmulMatchesPyTorch() throws {
        let fixture = try Fixture("matmul")
        #expect(fixture.cases.count >= 10)
        for c in fixture.cases {
            let a = fixture.tensor(c, "a")!.requiringGradient(), b = fixture.tensor(c, "b")!.requiringGradient()
            let y = a.matmul(b)
            #expect(relativeError(y, fixture.tensor(c, "y")!) <= 1e-5, "\(c) forward \(a.shape) @ \(b.shape)")
            let g = gradients(of: y, wrt: [a, b], gradient: fixture.tensor(c, "gy")!)
            #expect(relativeError(g[0], fixture.tensor(c, "da")!) <= 1e-5, "\(c) da")
            #expect(relativeError(g[1], fixture.tensor(c, "db")!) <= 1e-5, "\(c) db")
        }
    }

    static let shapePairs: [([Int], [Int])] = [
        ([3, 4], [4, 5]), ([4], [4, 3]), ([3, 4], [4]), ([4], [4]), ([2, 3, 4], [2, 4, 5]),
        ([2, 3, 4], [4, 2]), ([1, 3, 4], [2, 4, 2]), ([2, 1, 2, 3], [3, 3, 2]),
    ]

    @Test(arguments: shapePairs)
    func matmulGradients(_ sa: [Int], _ sb: [Int]) {
        let a = testInput(sa, seed: 21), b = testInput(sb, seed: 22)
        let first = checkGradients([a, b]) { $0[0].matmul($0[1]) }
        #expect(first.worstError < 2e-3, "\(sa) @ \(sb): \(first)")
        let second = checkGradients([a, b], epsilon: 1e-2, secondOrder: true) { $0[0].matmul($0[1]).tanh() }
        #expect(second.worstError < 1e-2, "second order \(sa) @ \(sb): \(second)")
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func batchedMatmulTransposesAndTheirGradients(_ ta: Bool, _ tb: Bool) {
        let a = testInput(ta ? [2, 4, 3] : [2, 3, 4], seed: 23), b = testInput(tb ? [2, 5, 4] : [2, 4, 5], seed: 24)
        let y = Tensor.batchedMatmul(a, b, transposeA: ta, transposeB: tb)
        let explicit = (ta ? a.transposed() : a).matmul(tb ? b.transposed() : b)
        #expect(relativeError(y, explicit) <= 1e-6)
        let first = checkGradients([a, b]) { Tensor.batchedMatmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
        #expect(first.worstError < 2e-3, "\(first)")
        let second = checkGradients([a, b], epsilon: 1e-2, secondOrder: true) {
            Tensor.batchedMatmul($0[0], $0[1], transposeA: ta, transposeB: tb).square()
        }
        #expect(second.worstError < 1e-2, "\(second)")
    }

    @Test func outerProduct() {
        let y = Tensor([1, 2], shape: [2]).outer(Tensor([3, 4, 5], shape: [3]))
        #expect(y.shape == [2, 3] && y.scalars == [3, 4, 5, 6, 8, 10])
    }

    /// GEMM against the reference loop, for the built-in kernels (and BLAS when installed).
    @Test(arguments: [
        (1, 1, 1), (7, 13, 5), (100, 3, 257), (33, 65, 17), (128, 128, 128), (64, 1000, 48), (257, 129, 300),
    ])
    func gemmMatchesReference(_ m: Int, _ n: Int, _ k: Int) {
        var backends: [GEMM.Backend] = [.builtin]
        if let blas = GEMM.blasBackend { backends.append(blas) }
        var rng = RandomGenerator(seed: UInt64(m * 1000 + n * 10 + k))
        for backend in backends {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-1, 0.5)] {
                    let lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2
                    let a = Tensor.randomNormal([(ta ? k : m) * lda], using: &rng)
                    let b = Tensor.randomNormal([(tb ? n : k) * ldb], using: &rng)
                    let c0 = Tensor.randomNormal([m * ldc], using: &rng)
                    let got = TensorStorage(copying: c0.scalars), want = TensorStorage(copying: c0.scalars)
                    GEMM.multiply(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha,
                                  a: a.storage.base, lda: lda, b: b.storage.base, ldb: ldb, beta: beta,
                                  c: got.base, ldc: ldc, backend: backend)
                    gk_sgemm_reference(ta ? 1 : 0, tb ? 1 : 0, m, n, k, alpha, a.storage.base, lda,
                                       b.storage.base, ldb, beta, want.base, ldc)
                    var worst: Float = 0, scale: Float = 1
                    for i in 0..<m { for j in 0..<ldc {
                        let g = got.base[i * ldc + j], w = want.base[i * ldc + j]
                        if j >= n { #expect(g == w, "wrote outside C"); continue }
                        worst = Swift.max(worst, Swift.abs(g - w)); scale = Swift.max(scale, Swift.abs(w))
                    } }
                    #expect(worst / scale <= 1e-5, "\(backend) \(m)x\(n)x\(k) tA=\(ta) tB=\(tb) α=\(alpha) β=\(beta): \(worst / scale)")
                }
            }
        }
    }

    /// A weight packed once (`GEMM.PackedA`) gives the bits of `gk_sgemm` packing it per call:
    /// row counts that are not a multiple of the micro-tile, K over one cache block (several
    /// packed K blocks), M over the AVX2/AVX-512 row block (1200: two row blocks), and column
    /// splits across threads.
    @Test(arguments: [(1, 1, 1), (7, 13, 5), (100, 70, 600), (45, 300, 1000), (1201, 40, 300)])
    func packedWeightGivesTheBitsOfPackingPerCall(_ m: Int, _ n: Int, _ k: Int) {
        var rng = RandomGenerator(seed: UInt64(m * 7 + n * 3 + k))
        let lda = k + 3, ldb = n + 1, ldc = n + 2
        let a = Tensor.randomNormal([m * lda], using: &rng), b = Tensor.randomNormal([k * ldb], using: &rng)
        let packed = GEMM.PackedA(m: m, k: k, a: a.storage.base, lda: lda)
        #expect((packed.packed != nil) == (GEMM.backend == .builtin))
        for parallel in [false, true] {
            let got = TensorStorage(repeating: .nan, count: m * ldc), want = TensorStorage(repeating: .nan, count: m * ldc)
            packed.multiply(n: n, b: b.storage.base, ldb: ldb, c: got.base, ldc: ldc, parallel: parallel)
            GEMM.multiply(m: m, n: n, k: k, a: a.storage.base, lda: lda, b: b.storage.base, ldb: ldb,
                          c: want.base, ldc: ldc, parallel: parallel)
            #expect(got.buffer.map(\.bitPattern) == want.buffer.map(\.bitPattern), "\(m)x\(n)x\(k) parallel \(parallel)")
        }
    }

    /// A right operand packed once (`GEMM.PackedB`, transposed as a Linear weight or not) gives
    /// the bits of `GEMM.multiply` packing it per call: column counts off the 16/32-wide panels,
    /// K over one cache block, M on both sides of the row/column thread split (96 rows), and
    /// column splits that start inside the packed matrix.
    @Test(arguments: [(1, 1, 1), (7, 13, 5), (64, 784, 1024), (64, 250, 300), (100, 70, 600), (200, 131, 257)])
    func packedRightOperandGivesTheBitsOfPackingPerCall(_ m: Int, _ n: Int, _ k: Int) {
        var rng = RandomGenerator(seed: UInt64(m * 5 + n * 3 + k))
        let lda = k + 3, ldc = n + 2
        let a = Tensor.randomNormal([m * lda], using: &rng)
        for transposed in [false, true] {
            let ldb = transposed ? k + 1 : n + 1
            let b = Tensor.randomNormal([(transposed ? n : k) * ldb], using: &rng)
            let packed = GEMM.PackedB(n: n, k: k, b: b.storage.base, ldb: ldb, transposed: transposed)
            #expect((packed.packed != nil) == (GEMM.backend == .builtin))
            let got = TensorStorage(repeating: .nan, count: m * ldc), want = TensorStorage(repeating: .nan, count: m * ldc)
            packed.multiply(m: m, a: a.storage.base, lda: lda, c: got.base, ldc: ldc)
            GEMM.multiply(transposeB: transposed, m: m, n: n, k: k, a: a.storage.base, lda: lda, b: b.storage.base,
                          ldb: ldb, c: want.base, ldc: ldc)
            #expect(got.buffer.map(\.bitPattern) == want.buffer.map(\.bitPattern), "\(m)x\(n)x\(k) transposed \(transposed)")
        }
    }

    /// `PackedWeight` (a Linear layer's inference product) gives `batchedMatmul`'s bits.
    @Test func packedWeightProductGivesMatmulBits() {
        var rng = RandomGenerator(seed: 11)
        let x = Tensor.randomNormal([2, 32, 300], using: &rng), w = Tensor.randomNormal([129, 300], using: &rng)
        let y = PackedWeight(w).product(x)
        let want = Tensor.batchedMatmul(x.reshaped([1, 64, 300]), w.reshaped([1, 129, 300]), transposeB: true)
        #expect(y.shape == [2, 32, 129])
        #expect(y.scalars.map(\.bitPattern) == want.scalars.map(\.bitPattern))
    }

    @Test func betaZeroIgnoresGarbageInC() {
        let a = Tensor.ones([4, 4]), b = Tensor.ones([4, 4])
        let c = TensorStorage(repeating: .nan, count: 16)
        GEMM.multiply(m: 4, n: 4, k: 4, a: a.storage.base, lda: 4, b: b.storage.base, ldb: 4, c: c.base, ldc: 4,
                      backend: .builtin)
        #expect(Array(c.buffer) == [Float](repeating: 4, count: 16))
    }
}

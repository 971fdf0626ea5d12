import Testing
@testable import GANTensor
import GANTestSupport

/// `batchNormalized` is one primitive with a fused backward for plain gradients and a
/// differentiable one for recorded backward passes (gradient penalties through BatchNorm).
@Suite struct NormalizationTests {
    static let shapes: [[Int]] = [[5, 3], [4, 3, 5, 5], [2, 4, 7, 6]]

    /// The composition of means, variances and broadcasts the primitive replaces.
    func composite(_ x: Tensor, _ w: Tensor, _ b: Tensor) -> Tensor {
        let axes = [0] + Array(2..<x.rank), shape = [1, x.shape[1]] + [Int](repeating: 1, count: x.rank - 2)
        let y = (x - x.mean(axes: axes, keepDims: true)) * (x.variance(axes: axes, correction: 0, keepDims: true) + 1e-5).rsqrt()
        return y * w.reshaped(shape) + b.reshaped(shape)
    }

    func inputs(_ shape: [Int], seed: UInt64) -> [Tensor] {
        var rng = RandomGenerator(seed: seed)
        return [Tensor.randomNormal(shape, using: &rng) * 2 + 0.5, Tensor.randomNormal([shape[1]], using: &rng) + 1,
                Tensor.randomNormal([shape[1]], using: &rng)]
    }

    @Test(arguments: shapes) func matchesCompositionAndStatistics(_ shape: [Int]) {
        let t = inputs(shape, seed: 3).map { $0.requiringGradient() }
        let (y, mean, variance) = t[0].batchNormalized(weight: t[1], bias: t[2])
        let reference = composite(t[0], t[1], t[2])
        #expect(relativeError(y, reference) < 1e-5)
        let axes = [0] + Array(2..<shape.count)
        #expect(relativeError(mean, t[0].detach().mean(axes: axes)) < 1e-5)
        #expect(relativeError(variance, t[0].detach().variance(axes: axes, correction: 0)) < 1e-5)
        // Fused gradients (plain backward) and recorded ones (createGraph) agree with the
        // composition's.
        var rng = RandomGenerator(seed: 4)
        let g = Tensor.randomNormal(shape, using: &rng)
        let expected = gradients(of: reference, wrt: t, gradient: g)
        let fused = gradients(of: y, wrt: t, gradient: g)
        let recorded = gradients(of: y, wrt: t, gradient: g, createGraph: true)
        for i in 0..<3 {
            #expect(relativeError(fused[i], expected[i]) < 1e-4, "fused gradient \(i)")
            #expect(relativeError(recorded[i], expected[i]) < 1e-4, "recorded gradient \(i)")
        }
    }

    @Test(arguments: shapes) func finiteDifferences(_ shape: [Int]) {
        let check = checkGradients(inputs(shape, seed: 5), epsilon: 1e-2) {
            $0[0].batchNormalized(weight: $0[1], bias: $0[2]).output.tanh()
        }
        #expect(check.worstError < 1e-2, "\(check)")
    }

    @Test(arguments: shapes) func secondOrder(_ shape: [Int]) {
        let check = checkGradients(inputs(shape, seed: 6), epsilon: 1e-2, secondOrder: true) {
            $0[0].batchNormalized(weight: $0[1], bias: $0[2]).output.tanh()
        }
        #expect(check.worstError < 1e-2, "\(check)")
    }

    @Test func withoutAffineParameters() {
        let x = inputs([6, 2, 3, 3], seed: 8)[0].requiringGradient()
        let y = x.batchNormalized().output
        let reference = composite(x, Tensor.ones([2]), Tensor.zeros([2]))
        #expect(relativeError(y, reference) < 1e-5)
        var rng = RandomGenerator(seed: 9)
        let g = Tensor.randomNormal(x.shape, using: &rng)
        #expect(relativeError(gradients(of: y, wrt: [x], gradient: g)[0],
                              gradients(of: reference, wrt: [x], gradient: g)[0]) < 1e-4)
    }
}

import Foundation
import Testing
import GANTensor
@testable import GANLayers
import GANTestSupport

struct EMATests {
    @Test func averageFollowsTheModelAndCopiesBuffers() throws {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential(Linear(inputFeatures: 2, outputFeatures: 3, using: &rng), BatchNorm1d(features: 3))
        let ema = ExponentialMovingAverage(model: model, decay: 0.9)
        let linear = model[0] as! Linear, averaged = ema.average[0] as! Linear
        #expect(averaged.weight !== linear.weight && averaged.weight.value.scalars == linear.weight.value.scalars)
        let start = linear.weight.value
        linear.weight.value = start + 1
        _ = withoutGradients { model(Tensor.randomNormal([4, 2], using: &rng)) }  // moves running stats
        ema.update()
        #expect(relativeError(averaged.weight.value, start + 0.1) < 1e-6)
        let bn = model[1] as! BatchNorm1d, averagedBN = ema.average[1] as! BatchNorm1d
        #expect(averagedBN.runningMean!.value.scalars == bn.runningMean!.value.scalars)
        #expect(averagedBN.batchesTracked!.value.item == 1)
        #expect(ema.updateCount == 1)

        // Saved and restored, including the update count.
        let restored = ExponentialMovingAverage(model: model, decay: 0.9)
        try restored.load(stateDict: ema.stateDict())
        #expect(restored.updateCount == 1)
        #expect((restored.average[0] as! Linear).weight.value.scalars == averaged.weight.value.scalars)
        #expect(ema.stateDict().entry("num_updates")?.dtype == .int64)
    }

    /// The average of a spectrally normalised layer estimates σ of its own averaged weight: with
    /// the model's top direction moved from e₁ to e₄, the average (still mostly the old weight)
    /// keeps σ_max(W/σ̂) at 1, where the model's copied vectors would give 2.18/1.82 = 1.2.
    @Test func spectralNormOfTheAverageTracksItsOwnWeight() {
        var rng = RandomGenerator(seed: 2)
        let layer = SpectralNorm(Linear(inputFeatures: 4, outputFeatures: 4, bias: false, using: &rng), using: &rng)
        let x = Tensor.ones([1, 4])
        layer.layer.weight.value = Tensor([3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], shape: [4, 4])
        for _ in 0..<30 { _ = layer(x) }   // u, v converge to e₁
        let ema = ExponentialMovingAverage(model: layer, decay: 0.9)
        layer.layer.weight.value = Tensor([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 3], shape: [4, 4])
        for _ in 0..<5 {
            for _ in 0..<10 { _ = layer(x) }   // the model's u, v move to e₄
            ema.update()
        }
        // The average is diag(2.18, 1, 1, 1.82): its largest singular value is along e₁.
        let m = ema.average.normalizedMatrix
        let sigma = withoutGradients { (0..<4).map { m.scalars[$0 * 5] }.max()! }   // diagonal
        #expect(abs(sigma - 1) < 0.01, "σ_max of the average's normalised weight \(sigma)")
    }

    @Test func warmUpRampsTheDecay() {
        var rng = RandomGenerator(seed: 2)
        let model = Linear(inputFeatures: 2, outputFeatures: 2, using: &rng)
        let ema = ExponentialMovingAverage(model: model, decay: 0.999, warmUp: true)
        #expect(ema.currentDecay == 0.1)
        ema.update()
        #expect(abs(ema.currentDecay - 2.0 / 11) < 1e-7)
        for _ in 0..<10_000 { ema.update() }
        #expect(ema.currentDecay == 0.999)
        let plain = ExponentialMovingAverage(model: model, decay: 0.5)
        #expect(plain.currentDecay == 0.5)
    }
}

struct InitializerTests {
    static func moments(_ t: Tensor) -> (mean: Float, std: Float) {
        let mean = t.mean().item
        return (mean, t.variance(correction: 0).item.squareRoot())
    }

    @Test func distributionsFollowTheirFormulas() {
        var rng = RandomGenerator(seed: 3)
        let shape = [200, 100, 3, 3]  // fanIn 900, fanOut 1800
        let xavier = Initializer.xavierUniform(shape, using: &rng)
        let xavierBound = (6 / Float(2700)).squareRoot()
        #expect(xavier.abs().max().item <= xavierBound)
        #expect(abs(Self.moments(xavier).std - xavierBound / Float(3).squareRoot()) < 0.01 * xavierBound)
        let xavierNormal = Initializer.xavierNormal(shape, gain: 2, using: &rng)
        #expect(abs(Self.moments(xavierNormal).std - 2 * (2 / Float(2700)).squareRoot()) < 0.01 * 2 * (2 / Float(2700)).squareRoot())
        let kaiming = Initializer.kaimingNormal(shape, using: &rng)
        #expect(abs(Self.moments(kaiming).std - (2 / Float(900)).squareRoot()) < 0.01 * (2 / Float(900)).squareRoot())
        let kaimingOut = Initializer.kaimingUniform(shape, mode: .fanOut, nonlinearity: .relu, using: &rng)
        #expect(kaimingOut.abs().max().item <= (6 / Float(1800)).squareRoot())
        let dcgan = Initializer.normal([100_000], standardDeviation: 0.02, using: &rng)
        #expect(abs(Self.moments(dcgan).std - 0.02) < 0.0005 && abs(Self.moments(dcgan).mean) < 0.0005)
        #expect(Initializer.gain(for: .leakyRelu(negativeSlope: 0.2)) == (2 / Float(1.04)).squareRoot())
        #expect(Initializer.gain(for: .tanh) == 5.0 / 3)
    }

    @Test(arguments: [[6, 4], [4, 6], [8, 2, 3, 3], [5, 5]])
    func orthogonalRowsOrColumnsAreOrthonormal(_ shape: [Int]) {
        var rng = RandomGenerator(seed: 4)
        let w = Initializer.orthogonal(shape, gain: 1.5, using: &rng)
        #expect(w.shape == shape)
        let m = w.reshaped([shape[0], -1]) / 1.5
        let (rows, cols) = (m.shape[0], m.shape[1])
        let gram = rows <= cols ? m.matmul(m.transposed()) : m.transposed().matmul(m)
        #expect(relativeError(gram, Tensor.eye(min(rows, cols))) < 1e-5)
    }

    @Test func dcganInitializesConvolutionsAndBatchNorm() {
        var rng = RandomGenerator(seed: 5)
        let model = Sequential(Conv2d(inputChannels: 64, outputChannels: 64, kernelSize: 4, using: &rng),
                               BatchNorm2d(features: 512),
                               SpectralNorm(Linear(inputFeatures: 256, outputFeatures: 256, using: &rng), using: &rng))
        Initializer.dcgan(model, using: &rng)
        let conv = model[0] as! Conv2d, bn = model[1] as! BatchNorm2d
        let linear = (model[2] as! SpectralNorm<Linear>).layer
        #expect(abs(Self.moments(conv.weight.value).std - 0.02) < 0.001)
        #expect(conv.bias!.value.abs().max().item == 0)
        #expect(abs(Self.moments(bn.weight!.value).mean - 1) < 0.005 && abs(Self.moments(bn.weight!.value).std - 0.02) < 0.003)
        #expect(bn.bias!.value.abs().max().item == 0)
        #expect(abs(Self.moments(linear.weight.value).std - 0.02) < 0.001)
    }
}

import Foundation
import GANData
import GANLayers
import GANTensor
import GANTestSupport
import Testing
@testable import GANModels

/// A fresh temporary folder for a run.
func temporaryRunFolder(_ name: String) -> RunFolder {
    let path = NSTemporaryDirectory() + "gan-models-tests-\(name)-\(UInt32.random(in: 0...UInt32.max))"
    return RunFolder(path: path)
}

/// A small labelled image data set (two classes of side×side blobs), for fast tests.
func tinyImages(count: Int = 64, side: Int = 8) -> Dataset {
    var rng = RandomGenerator(seed: 9)
    var values: [Float] = []
    var labels: [Int] = []
    for i in 0..<count {
        let label = i % 2
        for y in 0..<side { for x in 0..<side {
            let on = label == 0 ? (x < side / 2) : (y < side / 2)
            values.append((on ? 0.8 : -0.8) + 0.1 * (rng.nextUniform() - 0.5))
        } }
        labels.append(label)
    }
    return Dataset(name: "tiny", values: .floats(values), sampleShape: [1, side, side], labels: labels, classNames: ["a", "b"])
}

@Suite struct LossTests {
    @Test(arguments: AdversarialLoss.allCases)
    func lossesAreFiniteAndOrdered(loss: AdversarialLoss) {
        let good = Tensor([4, 5, 3], shape: [3, 1]), bad = Tensor([-4, -5, -3], shape: [3, 1])
        // A discriminator that separates real (high) from fake (low) has a lower loss than one that confuses them.
        let separating = loss.discriminatorLoss(real: good, fake: bad).item
        let confused = loss.discriminatorLoss(real: bad, fake: good).item
        #expect(separating.isFinite && confused.isFinite)
        #expect(separating < confused)
        // The generator's loss is lower when D scores its samples as real.
        #expect(loss.generatorLoss(fake: good).item < loss.generatorLoss(fake: bad).item)
    }

    @Test func nonSaturatingMatchesBinaryCrossEntropy() {
        let r = Tensor([0.3, -1.2], shape: [2, 1]), f = Tensor([0.5, 2.0], shape: [2, 1])
        func bce(_ x: Float, _ y: Float) -> Float { let p = 1 / (1 + exp(-x)); return -(y * log(p) + (1 - y) * log(1 - p)) }
        let expected = (bce(0.3, 1) + bce(-1.2, 1)) / 2 + (bce(0.5, 0) + bce(2.0, 0)) / 2
        #expect(abs(AdversarialLoss.nonSaturating.discriminatorLoss(real: r, fake: f).item - expected) < 1e-5)
        #expect(abs(AdversarialLoss.nonSaturating.generatorLoss(fake: f).item - (bce(0.5, 1) + bce(2.0, 1)) / 2) < 1e-5)
        #expect(abs(AdversarialLoss.minimax.generatorLoss(fake: f).item + (bce(0.5, 0) + bce(2.0, 0)) / 2) < 1e-5)
    }
}

@Suite struct GradientPenaltyTests {
    /// For a linear critic D(x) = w·x the gradient is w everywhere: the norm is ‖w‖ and the
    /// penalty (‖w‖ − 1)², whatever the coefficients.
    @Test func linearCriticPenalty() {
        let w = Tensor([3, 4], shape: [2, 1])
        var rng = RandomGenerator(seed: 1)
        let real = Tensor.randomNormal([5, 2], using: &rng), fake = Tensor.randomNormal([5, 2], using: &rng)
        let (penalty, norm) = GradientPenalty.penalty(critic: { $0.matmul(w) }, real: real, fake: fake, using: &rng)
        #expect(abs(norm - 5) < 1e-4)
        #expect(abs(penalty.item - 16) < 1e-3)
    }

    /// One coefficient per sample: every interpolate lies on the segment between its real and
    /// its generated sample (a per-pixel coefficient would leave it).
    @Test func oneCoefficientPerSample() {
        var rng = RandomGenerator(seed: 2)
        let real = Tensor.randomNormal([4, 1, 3, 3], using: &rng), fake = Tensor.randomNormal([4, 1, 3, 3], using: &rng)
        var seen: Tensor?
        _ = GradientPenalty.penalty(critic: { x in seen = x.detach(); return x.sum(axes: [1, 2, 3]).reshaped([4, 1]) },
                                    real: real, fake: fake, using: &rng)
        let x = seen!.scalars, r = real.scalars, f = fake.scalars
        for i in 0..<4 {
            let alphas = (0..<9).map { j -> Float in
                let k = i * 9 + j
                return (x[k] - f[k]) / (r[k] - f[k])
            }
            #expect(alphas.allSatisfy { abs($0 - alphas[0]) < 1e-3 }, "sample \(i): \(alphas)")
        }
    }

    /// The penalty is differentiable with respect to the critic's weights (second order).
    @Test func penaltyReachesCriticWeights() {
        var rng = RandomGenerator(seed: 3)
        let critic = Linear(inputFeatures: 2, outputFeatures: 1, using: &rng)
        let real = Tensor.randomNormal([6, 2], using: &rng), fake = Tensor.randomNormal([6, 2], using: &rng)
        let (penalty, _) = GradientPenalty.penalty(critic: { critic($0.tanh()) }, real: real, fake: fake, using: &rng)
        let g = gradients(of: penalty, wrt: [critic.weight.value])[0]
        #expect(g.scalars.contains { $0 != 0 })
    }
}

@Suite struct ArchitectureTests {
    /// dcgan28 is `DC28Gen` / `DC28Disc` of ../shared/bench/torch_bench.py, name for name.
    @Test func dcgan28MatchesTheBenchModel() throws {
        var rng = RandomGenerator(seed: 0)
        let model = try DCGANConfig.dcgan28.makeAdversarialModel(using: &rng)
        let g = model.generator.stateDict(), d = model.discriminator.stateDict()
        #expect(g.keys == ["fc.weight", "fc.bias",
                           "net.0.weight", "net.0.bias", "net.0.running_mean", "net.0.running_var", "net.0.num_batches_tracked",
                           "net.2.weight", "net.2.bias",
                           "net.3.weight", "net.3.bias", "net.3.running_mean", "net.3.running_var", "net.3.num_batches_tracked",
                           "net.5.weight", "net.5.bias"])
        #expect(g["fc.weight"]!.shape == [6272, 100])
        #expect(g["net.2.weight"]!.shape == [128, 64, 4, 4])
        #expect(g["net.5.weight"]!.shape == [64, 1, 4, 4])
        #expect(d["net.0.weight"]!.shape == [64, 1, 4, 4])
        #expect(d["net.2.weight"]!.shape == [128, 64, 4, 4])
        #expect(d["net.3.running_mean"]!.shape == [128])
        #expect(d["net.6.weight"]!.shape == [1, 6272])
        #expect(model.generator.parameterCount == 633_472 + 256 + 131_136 + 128 + 1_025)   // 766,017 as torch
        #expect(model.discriminator.parameterCount == 1_088 + 131_200 + 256 + 6_273)
        var z = RandomGenerator(seed: 1)
        let x = model.generate(model.latents(count: 2, using: &z))
        #expect(x.shape == [2, 1, 28, 28])
    }

    @Test func wganGPCriticHasNoBatchNorm() throws {
        var rng = RandomGenerator(seed: 0)
        let model = try WGANGPConfig.dcgan28.makeAdversarialModel(using: &rng)
        #expect(!model.discriminator.stateDict().keys.contains { $0.contains("running_mean") })
        #expect(model.objective.gradientPenaltyWeight == 10 && model.objective.discriminatorSteps == 5)
    }

    @Test(arguments: [32, 64])
    func dcganColourPresets(size: Int) throws {
        var rng = RandomGenerator(seed: 0)
        let config = size == 32 ? DCGANConfig.dcgan32 : DCGANConfig.dcgan64
        let model = try config.makeAdversarialModel(using: &rng)
        var z = RandomGenerator(seed: 1)
        let x = model.generate(model.latents(count: 2, using: &z))
        #expect(x.shape == [2, 3, size, size])
        let scores = withoutGradients { model.discriminator.score(x, labels: nil) }
        #expect(scores.shape == [2, 1])
    }

    @Test func unknownFamilyAndPresetMessages() {
        #expect(throws: ModelError.unknownFamily("stylegan9", known: Families.all.map { $0.name })) {
            try Families.named("stylegan9")
        }
        #expect(throws: ModelError.self) { try Families.preset("huge", of: DCGANFamily.self) }
    }
}

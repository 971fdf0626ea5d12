import Foundation
import GANData
import GANLayers
import GANTensor
import Testing
@testable import GANModels

/// What a family promises beyond matching PyTorch on one step: CGAN listens to its labels,
/// WGAN's critic stays inside the clipping box.
@Suite struct AdversarialBehaviourTests {
    func smallNetwork() -> NetworkSettings {
        var network = DCGANConfig.dcgan28.network
        network.dataShape = [1, 8, 8]
        network.width = 4
        network.latentDimension = 8
        return network
    }

    @Test func cganLabelsChangeTheSamplesAndTheScores() throws {
        var config = CGANConfig.dcgan28
        config.network = smallNetwork()
        try config.adapt(to: [tinyImages()])
        var rng = RandomGenerator(seed: 4)
        let model = try config.makeAdversarialModel(using: &rng)
        let z = model.latents(count: 4, seed: 1)
        let zeros = model.generate(z, labels: [0, 0, 0, 0]), ones = model.generate(z, labels: [1, 1, 1, 1])
        // Ignoring the label would give the same bits; at initialisation the effect is small but there.
        #expect((zeros - ones).abs().max().item > 1e-6, "G ignores its label")
        let x = tinyImages().samples(at: [0, 1, 2, 3])
        let scores = withoutGradients { (model.discriminator.score(x, labels: [0, 0, 0, 0]), model.discriminator.score(x, labels: [1, 1, 1, 1])) }
        #expect((scores.0 - scores.1).abs().max().item > 1e-6, "D ignores the label")
    }

    @Test func wganClipsEveryCriticWeightAfterEachStep() throws {
        var config = WGANConfig.dcgan28
        config.network = smallNetwork()
        config.criticOptimizer = .rmsprop(0.05)   // large enough that unclipped weights would leave the box
        var rng = RandomGenerator(seed: 4)
        let model = try config.makeAdversarialModel(using: &rng)
        let batches = try DomainBatchers(datasets: [tinyImages()], batchSize: 8, seed: 1)
        for step in 0..<3 {
            let context = StepContext(step: step, totalSteps: 3, measure: false, rng: rng, source: batches)
            _ = try model.trainingStep(context)
            rng = context.rng
            for (name, p) in model.discriminator.namedParameters() {
                #expect(p.value.abs().max().item <= config.clip, "\(name) outside ±\(config.clip) after step \(step)")
            }
        }
        // Without clipping the same steps leave the box: the bound is what keeps them in.
        var loose = config
        loose.clip = 1e9
        var rng2 = RandomGenerator(seed: 4)
        let unclipped = try loose.makeAdversarialModel(using: &rng2)
        let context = StepContext(step: 0, totalSteps: 1, measure: false, rng: rng2,
                                  source: try DomainBatchers(datasets: [tinyImages()], batchSize: 8, seed: 1))
        _ = try unclipped.trainingStep(context)
        #expect(unclipped.discriminator.parameters().map { $0.value.abs().max().item }.max()! > config.clip)
    }
}

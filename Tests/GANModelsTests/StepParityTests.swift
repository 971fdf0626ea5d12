import Foundation
import GANData
import GANLayers
import GANTensor
import GANTestSupport
import Testing
@testable import GANModels

/// One whole training step against PyTorch (`scripts/make_step_fixtures.py`, float64): the
/// latents the step draws, both losses, every gradient each optimiser receives (caught by the
/// gradient hook) and every parameter and buffer after the step.
///
/// Tolerances: losses and gradients to 1e-4 relative (float32 through a few convolutions and
/// BatchNorm against float64), relative to 0.01 for a gradient smaller than that: the losses
/// are O(1), and D's last bias is a near-cancelling difference of four terms of ~0.5 (6e-5,
/// carrying float32 rounding of ~1.5e-7, 0.3% of itself); parameters after Adam's first step,
/// whose size is lr·g/(|g| + ε), to 2e-6 absolute (lr 2e-4: a sign error or a missing term
/// moves a weight by up to 4e-4). A bias before BatchNorm has no gradient (PyTorch's are ~1e-17,
/// ours float32 noise that Adam's first step turns into moves of up to lr): those are held to lr.
@Suite struct StepParityTests {
    /// The same batches every time.
    final class FixedBatches: BatchSource {
        let batches: [Batch]
        init(_ samples: [Tensor]) {
            batches = samples.map { Batch(samples: $0, labels: nil, indices: Array(0..<$0.shape[0]), epoch: 0, index: 0) }
        }
        var domainCount: Int { batches.count }
        func next(domain: Int) -> Batch { batches[domain] }
        var epoch: Int { 0 }
        var states: [BatcherState] { [] }
        func restore(_ states: [BatcherState]) throws {}
    }

    @Test func coganStepMatchesPyTorch() throws {
        let fixture = try Fixture("step_cogan")
        let settings = try JSONDecoder().decode(CoGANNetworkSettings.self, from: Data(fixture.metadata["settings"]!.utf8))
        let optimizer = try JSONDecoder().decode(OptimizerSettings.self, from: Data(fixture.metadata["optimizer"]!.utf8))
        let seed = UInt64(fixture.metadata["seed"]!)!
        var config = CoGANConfig.grey28
        config.network = settings
        config.generatorOptimizer = optimizer
        config.discriminatorOptimizer = optimizer
        var rng = RandomGenerator(seed: 0)
        let model = try #require(try config.makeModel(using: &rng) as? CoGANModel)
        var initial = StateDict()
        for (name, tensor) in fixture.tensors where name.hasPrefix("init.") { initial[String(name.dropFirst(5))] = tensor }
        try model.generators.load(stateDict: initial.entries(withPrefix: "generators."), strict: true, source: "init")
        try model.discriminators.load(stateDict: initial.entries(withPrefix: "discriminators."), strict: true, source: "init")

        // The latents PyTorch used are those our RNG draws.
        #expect(model.latents(count: fixture["z"].shape[0], seed: seed).scalars == fixture["z"].scalars)

        var received: [ObjectIdentifier: [Tensor]] = [:]
        let context = StepContext(step: 0, totalSteps: 1, measure: false, rng: RandomGenerator(seed: seed),
                                  source: FixedBatches([fixture["real.a"], fixture["real.b"]]))
        context.gradientHook = { optimizer, gradients in
            received[ObjectIdentifier(optimizer)] = gradients
            return gradients
        }
        let metrics = try model.trainingStep(context)
        #expect(relativeError(Tensor(metrics["loss_d"]!), fixture["loss_d"]) <= 1e-4)
        #expect(relativeError(Tensor(metrics["loss_g"]!), fixture["loss_g"]) <= 1e-4)

        for (prefix, module, optimizer) in [("generators", model.generators as Module, model.generatorOptimizer),
                                            ("discriminators", model.discriminators as Module, model.discriminatorOptimizer)] {
            let grads = try #require(received[ObjectIdentifier(optimizer)], "\(prefix): no gradients reached the optimiser")
            let largest = grads.map { $0.abs().max().item }.max()!
            var vanishing: Set<String> = []
            for ((name, _), gradient) in zip(module.namedParameters(), grads) {
                let expected = fixture["grad.\(prefix).\(name)"]
                if expected.abs().max().item <= 1e-9 * largest { vanishing.insert(name) }
                let error = relativeError(gradient, expected, scale: 0.01)
                #expect(error <= 1e-4, "\(prefix).\(name): gradient relative error \(error)")
            }
            let after = module.stateDict()
            for key in after.keys {
                let expected = fixture["after.\(prefix).\(key)"]
                let difference = (after[key]! - expected).abs().max().item
                let tolerance: Float = vanishing.contains(key) ? optimizer.learningRate
                    : key.hasSuffix("running_var") || key.hasSuffix("running_mean") ? 1e-5 : 2e-6
                #expect(difference <= tolerance, "\(prefix).\(key) after the step: max difference \(difference)")
            }
        }
    }
}

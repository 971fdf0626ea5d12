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
/// moves a weight by up to 4e-4). A bias before BatchNorm or InstanceNorm has no gradient
/// (PyTorch's are ~1e-17, ours float32 noise): its gradient is compared relative to the largest
/// one, and its value after the step to lr (Adam's first step turns any noise into a move of
/// up to lr). That bias also moves the BatchNorm statistics of every later forward pass by
/// momentum 0.1 times its move, so running statistics are held to 1e-5 + lr (a wrong momentum or
/// a missing update moves them by ~1e-2).
@Suite struct StepParityTests {
    /// The same batches every time.
    final class FixedBatches: BatchSource {
        let batches: [Batch]
        init(batches: [Batch]) { self.batches = batches }
        convenience init(_ samples: [Tensor]) {
            self.init(batches: samples.map { Batch(samples: $0, labels: nil, indices: Array(0..<$0.shape[0]), epoch: 0, index: 0) })
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

        let context = StepContext(step: 0, totalSteps: 1, measure: false, rng: RandomGenerator(seed: seed),
                                  source: FixedBatches([fixture["real.a"], fixture["real.b"]]))
        let (metrics, received) = try recordingStep(model, context: context)
        #expect(relativeError(Tensor(metrics["loss_d"]!), fixture["loss_d"]) <= 1e-4)
        #expect(relativeError(Tensor(metrics["loss_g"]!), fixture["loss_g"]) <= 1e-4)

        try compareAfterStep(fixture, groups: [
            (model.generatorOptimizer, [("generators", model.generators)]),
            (model.discriminatorOptimizer, [("discriminators", model.discriminators)]),
        ], received: received)
    }

    @Test func cycleganStepMatchesPyTorch() throws {
        let fixture = try Fixture("step_cyclegan")
        var config = CycleGANConfig.grey28
        config.network = try JSONDecoder().decode(CycleGANNetworkSettings.self, from: Data(fixture.metadata["settings"]!.utf8))
        config.generatorOptimizer = try JSONDecoder().decode(OptimizerSettings.self, from: Data(fixture.metadata["optimizer"]!.utf8))
        config.discriminatorOptimizer = config.generatorOptimizer
        var rng = RandomGenerator(seed: 0)
        let model = try #require(try config.makeModel(using: &rng) as? CycleGANModel)
        try loadInitialWeights(fixture, into: model)
        let context = StepContext(step: 0, totalSteps: 1, measure: false, rng: RandomGenerator(seed: 1),
                                  source: FixedBatches([fixture["real.a"], fixture["real.b"]]))
        let (metrics, received) = try recordingStep(model, context: context)
        for key in ["loss_g", "loss_d_a", "loss_d_b"] {
            #expect(relativeError(Tensor(metrics[key]!), fixture[key]) <= 1e-4, "\(key)")
        }
        try compareAfterStep(fixture, groups: [
            (model.generatorOptimizer, [("generator_a2b", model.generatorAToB), ("generator_b2a", model.generatorBToA)]),
            (model.discriminatorOptimizer, [("discriminator_a", model.discriminatorA), ("discriminator_b", model.discriminatorB)]),
        ], received: received)
    }

    /// ProGAN mid-fade (depth 1 of 2, α 0.25, where swapping a fade's two terms shows): the faded real batch, WGAN-GP with the drift term,
    /// G through the updated D; only the parameters in use reach the optimisers (the same set as
    /// PyTorch's), and the rest — level 2, its `to_rgb` and `from_rgb` — keep their weights bit
    /// for bit and get no Adam state.
    @Test func proganStepMatchesPyTorch() throws {
        let fixture = try Fixture("step_progan")
        let config = try JSONDecoder().decode(ProGANConfig.self, from: Data(fixture.metadata["config"]!.utf8))
        var rng = RandomGenerator(seed: 0)
        let model = try #require(try config.makeModel(using: &rng) as? ProGANModel)
        try loadInitialWeights(fixture, into: model)
        let step = Int(fixture.metadata["step"]!)!
        let context = StepContext(step: step, totalSteps: step + 1, measure: true,
                                  rng: RandomGenerator(seed: UInt64(fixture.metadata["seed"]!)!),
                                  source: FixedBatches([fixture["real"]]))
        let (metrics, received) = try recordingStep(model, context: context)
        #expect(metrics["side"] == 8 && metrics["alpha"] == 0.25)
        #expect(relativeError(Tensor(metrics["loss_d"]!), fixture["loss_d"]) <= 1e-4)
        #expect(relativeError(Tensor(metrics["loss_g"]!), fixture["loss_g"]) <= 1e-4)

        let growth = ProGANGrowth(depth: 1, alpha: 0.25)
        for (optimizer, prefix, module, used) in [
            (model.generatorOptimizer, "generator", model.generator as Module, model.generator.parameters(at: growth)),
            (model.discriminatorOptimizer, "discriminator", model.discriminator as Module, model.discriminator.parameters(at: growth)),
        ] {
            let inUse = Set(used.map(ObjectIdentifier.init))
            let named = module.namedParameters()
            let names = named.filter { inUse.contains(ObjectIdentifier($0.parameter)) }.map(\.name)
            let expected = fixture.tensors.keys.filter { $0.hasPrefix("grad.\(prefix).") }.map { String($0.dropFirst("grad.\(prefix).".count)) }
            #expect(Set(names) == Set(expected), "\(prefix): the parameters in use differ from PyTorch's")
            let grads = try #require(received[ObjectIdentifier(optimizer)], "\(prefix): no gradients reached the optimiser")
            #expect(grads.count == names.count)
            for (name, gradient) in zip(names, grads) {
                let error = relativeError(gradient, fixture["grad.\(prefix).\(name)"], scale: 0.01)
                #expect(error <= 1e-4, "\(prefix).\(name): gradient relative error \(error)")
            }
            let after = module.stateDict()
            for key in after.keys {
                if names.contains(key) {
                    let difference = (after[key]! - fixture["after.\(prefix).\(key)"]).abs().max().item
                    #expect(difference <= 2e-6, "\(prefix).\(key) after the step: max difference \(difference)")
                } else {
                    #expect(after[key]!.scalars == fixture["init.\(prefix).\(key)"].scalars, "\(prefix).\(key) is not in use but moved")
                }
            }
            // Adam keeps state only for the parameters in use.
            let state = optimizer.stateDict()
            for (i, (name, _)) in named.enumerated() {
                #expect((state["state.\(i).exp_avg"] != nil) == names.contains(name), "\(prefix).\(name): optimiser state")
            }
        }
    }

    /// StyleGAN at step 0: lazy R1 (γ 10, ×16) on the real scores, style mixing in both
    /// batches (crossovers 5 and 4, drawn from the step's RNG as PyTorch replays it), noise inputs
    /// drawn from the RNG, the logistic losses, one Adam step each, and `w_avg`'s update.
    @Test func styleganStepMatchesPyTorch() throws {
        let fixture = try Fixture("step_stylegan")
        let config = try JSONDecoder().decode(StyleGANConfig.self, from: Data(fixture.metadata["config"]!.utf8))
        var rng = RandomGenerator(seed: 0)
        let model = try #require(try config.makeModel(using: &rng) as? StyleGANModel)
        try loadInitialWeights(fixture, into: model)
        let step = Int(fixture.metadata["step"]!)!
        let context = StepContext(step: step, totalSteps: step + 1, measure: true,
                                  rng: RandomGenerator(seed: UInt64(fixture.metadata["seed"]!)!),
                                  source: FixedBatches([fixture["real"]]))
        let (metrics, received) = try recordingStep(model, context: context)
        #expect(fixture.metadata["crossovers"] == "5,4")
        #expect(metrics["crossover"] == 4, "G's batch crossover")
        #expect(relativeError(Tensor(metrics["loss_d"]!), fixture["loss_d"]) <= 1e-4)
        #expect(relativeError(Tensor(metrics["loss_g"]!), fixture["loss_g"]) <= 1e-4)
        #expect(relativeError(Tensor(try #require(metrics["r1"])), fixture["r1"]) <= 1e-4)

        try compareStyleGANStep(fixture, model: model, received: received)
    }

    /// A StyleGAN step's gradients and weights after it (both variants). Layer 0's bias (variant 1)
    /// meets the constant before an instance norm, which removes it while the LeakyReLU stays
    /// linear: its gradient is round-off (PyTorch's 1e-16), which Adam's g / (|g| + ε) amplifies, so
    /// only its smallness is compared. The mapping's stored weights are ~100 (N(0, 1/0.01²)):
    /// compared relative to their size.
    func compareStyleGANStep(_ fixture: Fixture, model: StyleGANModel, received: [ObjectIdentifier: [Tensor]]) throws {
        for (optimizer, prefix, module) in [(model.generatorOptimizer, "generator", model.generator as Module),
                                            (model.discriminatorOptimizer, "discriminator", model.discriminator as Module)] {
            let names = module.namedParameters().map(\.name)
            let grads = try #require(received[ObjectIdentifier(optimizer)], "\(prefix): no gradients reached the optimiser")
            #expect(grads.count == names.count)
            for (name, gradient) in zip(names, grads) {
                let error = relativeError(gradient, fixture["grad.\(prefix).\(name)"], scale: 0.01)
                #expect(error <= 1e-4, "\(prefix).\(name): gradient relative error \(error)")
            }
            let after = module.stateDict()
            for key in after.keys {
                if let g = fixture.tensors["grad.\(prefix).\(key)"], g.abs().max().item < 1e-10 {
                    #expect(grads[names.firstIndex(of: key)!].abs().max().item <= 1e-6, "\(prefix).\(key): gradient not ~0")
                    continue
                }
                let size = max(1, fixture["init.\(prefix).\(key)"].abs().max().item)
                let difference = (after[key]! - fixture["after.\(prefix).\(key)"]).abs().max().item
                #expect(difference <= 2e-6 * size, "\(prefix).\(key) after the step: max difference \(difference) (size \(size))")
            }
        }
    }

    /// StyleGAN2 (`--variant 2`) at step 0: R1 (×16) on the residual D, and a path-length step
    /// (×4): G's loss plus 2 · 4 · the penalty on a batch of 4 whose styles, noise and `y` follow
    /// G's batch in the step's RNG, against `pl_mean` 0.5, updated by 0.01. All three batches mix
    /// (crossovers 5, 4, 2). Dropping the ×4 takes loss_g from 15.2 to 8.0 and moves G's gradients by
    /// up to 82% of their size.
    @Test func stylegan2StepMatchesPyTorch() throws {
        let fixture = try Fixture("step_stylegan2")
        let config = try JSONDecoder().decode(StyleGANConfig.self, from: Data(fixture.metadata["config"]!.utf8))
        #expect(config.variant == 2 && config.pathLengthInterval == 4)
        var rng = RandomGenerator(seed: 0)
        let model = try #require(try config.makeModel(using: &rng) as? StyleGANModel)
        try loadInitialWeights(fixture, into: model)
        model.pathLengthMean = fixture["init.path_length.mean"].item
        let step = Int(fixture.metadata["step"]!)!
        #expect(model.isR1Step(step) && model.isPathLengthStep(step))
        let context = StepContext(step: step, totalSteps: step + 1, measure: true,
                                  rng: RandomGenerator(seed: UInt64(fixture.metadata["seed"]!)!),
                                  source: FixedBatches([fixture["real"]]))
        let (metrics, received) = try recordingStep(model, context: context)
        #expect(fixture.metadata["crossovers"] == "5,4,2")
        #expect(metrics["crossover"] == 4, "G's batch crossover")
        for (key, name) in [("loss_d", "loss_d"), ("loss_g", "loss_g"), ("r1", "r1"), ("pl", "pl")] {
            let value = try #require(metrics[key], "no \(key) in the metrics")
            #expect(relativeError(Tensor(value), fixture[name]) <= 1e-4, "\(key)")
        }
        #expect(relativeError(Tensor(model.pathLengthMean), fixture["after.path_length.mean"]) <= 1e-5)
        #expect(metrics["pl_mean"] == model.pathLengthMean)
        let saved = model.stateDict()
        #expect(saved["path_length.mean"]?.item == model.pathLengthMean)
        try compareStyleGANStep(fixture, model: model, received: received)
    }

    /// GAN (minimax, MLP), DCGAN, CGAN (labels), WGAN (RMSprop, clipping, two critic steps) and
    /// WGAN-GP (the penalty's coefficients from the RNG, two critic steps), SAGAN (spectral norm,
    /// attention, conditional BN, projection, hinge, TTUR) and BigGAN (residual blocks, shared
    /// embedding, hierarchical z, two D steps, orthogonal regularisation): the last critic
    /// step's gradients, the generator's, and every weight and buffer after the step.
    @Test(arguments: ["gan", "dcgan", "cgan", "wgan", "wgan-gp", "sagan", "biggan"])
    func adversarialStepMatchesPyTorch(family: String) throws {
        let fixture = try Fixture("step_adversarial")
        let prefix = family + "."
        let config = try Families.named(family).decodeConfiguration(from: Data(fixture.metadata[prefix + "config"]!.utf8))
        var rng = RandomGenerator(seed: 0)
        let model = try #require(try config.makeModel(using: &rng) as? AdversarialModel)
        try loadInitialWeights(fixture, into: model, namePrefix: prefix)
        let labels = try fixture.metadata[prefix + "labels"].map { try JSONDecoder().decode([Int].self, from: Data($0.utf8)) }
        let real = fixture[prefix + "real"]
        let batch = Batch(samples: real, labels: labels, indices: Array(0..<real.shape[0]), epoch: 0, index: 0)
        let context = StepContext(step: 0, totalSteps: 1, measure: true,
                                  rng: RandomGenerator(seed: UInt64(fixture.metadata[prefix + "seed"]!)!),
                                  source: FixedBatches(batches: [batch]))
        let (metrics, received) = try recordingStep(model, context: context)
        #expect(relativeError(Tensor(metrics["loss_d"]!), fixture[prefix + "loss_d"]) <= 1e-4, "\(family) loss_d")
        #expect(relativeError(Tensor(metrics["loss_g"]!), fixture[prefix + "loss_g"]) <= 1e-4, "\(family) loss_g")
        if let ortho = fixture.tensors[prefix + "ortho"] {
            #expect(relativeError(Tensor(try #require(metrics["ortho"])), ortho) <= 1e-4, "\(family) orthogonal regularisation")
        }
        try compareAfterStep(fixture, namePrefix: prefix, groups: [
            (model.generatorOptimizer, [("generator", model.generator)]),
            (model.discriminatorOptimizer, [("discriminator", model.discriminator)]),
        ], received: received)
    }

    /// Loads every network of `model` from the fixture's `NAMEPREFIXinit.NETWORK.*` tensors, strictly.
    func loadInitialWeights(_ fixture: Fixture, into model: any TrainableModel, namePrefix: String = "") throws {
        for (name, module) in model.networks {
            let start = "\(namePrefix)init.\(name)."
            var initial = StateDict()
            for (key, tensor) in fixture.tensors where key.hasPrefix(start) { initial[String(key.dropFirst(start.count))] = tensor }
            try module.load(stateDict: initial, strict: true, source: "init \(name)")
        }
    }

    /// One training step in `context`, with the gradients each optimiser received.
    func recordingStep(_ model: any TrainableModel, context: StepContext) throws
        -> (StepMetrics, [ObjectIdentifier: [Tensor]]) {
        var received: [ObjectIdentifier: [Tensor]] = [:]
        context.gradientHook = { optimizer, gradients in
            received[ObjectIdentifier(optimizer)] = gradients
            return gradients
        }
        let metrics = try model.trainingStep(context)
        return (metrics, received)
    }

    /// Checks the gradients each optimiser received (in the order of its networks' parameters)
    /// and every parameter and buffer after the step against `grad.PREFIX.NAME` and
    /// `after.PREFIX.NAME`, with the tolerances above.
    func compareAfterStep(_ fixture: Fixture, namePrefix: String = "",
                          groups: [(optimizer: Optimizer, networks: [(prefix: String, module: Module)])],
                          received: [ObjectIdentifier: [Tensor]]) throws {
        // The largest move of a weight in a first step: Adam's lr, RMSprop's lr / √(1 − α).
        func firstStepBound(_ optimizer: Optimizer) -> Float { optimizer is RMSprop ? 10 * optimizer.learningRate : optimizer.learningRate }
        for (optimizer, networks) in groups {
            let grads = try #require(received[ObjectIdentifier(optimizer)], "\(networks.map(\.prefix)): no gradients reached the optimiser")
            let named = networks.flatMap { prefix, module in module.namedParameters().map { (prefix, $0.name) } }
            #expect(named.count == grads.count)
            let largest = grads.map { $0.abs().max().item }.max()!
            var vanishing: Set<String> = []
            for ((prefix, name), gradient) in zip(named, grads) {
                let expected = fixture["\(namePrefix)grad.\(prefix).\(name)"]
                let vanishes = expected.abs().max().item <= 1e-9 * largest
                if vanishes { vanishing.insert("\(prefix).\(name)") }
                let error = relativeError(gradient, expected, scale: vanishes ? largest : 0.01)
                #expect(error <= 1e-4, "\(prefix).\(name): gradient relative error \(error)")
            }
            for (prefix, module) in networks {
                let after = module.stateDict()
                for key in after.keys {
                    let expected = fixture["\(namePrefix)after.\(prefix).\(key)"]
                    let difference = (after[key]! - expected).abs().max().item
                    let tolerance: Float = vanishing.contains("\(prefix).\(key)") ? firstStepBound(optimizer)
                        : key.hasSuffix("running_var") || key.hasSuffix("running_mean") ? 1e-5 + firstStepBound(optimizer) : 2e-6
                    #expect(difference <= tolerance, "\(prefix).\(key) after the step: max difference \(difference)")
                }
            }
        }
    }
}

/// BigGAN's orthogonal regularisation against PyTorch (`orthogonal.safetensors`, float64): the
/// paper's value and its autograd gradient to 1e-5 relative (float32 sums of a few hundred
/// products), and twice the gradient BigGAN-PyTorch's `utils.ortho` adds (its β regularises R/2).
@Suite struct OrthogonalRegularizationTests {
    @Test func valueAndGradientMatchPyTorch() throws {
        let fixture = try Fixture("orthogonal")
        let strength = Float(fixture.metadata["strength"]!)!
        let weights = (0..<3).map { fixture["weight.\($0)"].requiringGradient() }
        let value = OrthogonalRegularization.penalty(weights, strength: strength)
        #expect(relativeError(value, fixture["value"]) <= 1e-5)
        let grads = gradients(of: value, wrt: weights)
        for i in 0..<3 {
            #expect(relativeError(grads[i], fixture["grad.\(i)"]) <= 1e-5, "weight \(i)")
            #expect(relativeError(grads[i], 2 * fixture["biggan_pytorch.\(i)"]) <= 1e-5, "weight \(i) against utils.ortho")
        }
    }

    /// Orthogonal rows cost nothing whatever their norms; a shared direction does.
    @Test func orthogonalFiltersAreFree() {
        let orthogonal = Tensor([3, 0, 0, 0, 0.5, 0], shape: [2, 3])
        #expect(OrthogonalRegularization.penalty([orthogonal], strength: 1).item == 0)
        let parallel = Tensor([1, 0, 0, 1, 0, 0], shape: [2, 3])
        #expect(OrthogonalRegularization.penalty([parallel], strength: 1).item == 2)   // two off-diagonal 1s
    }
}

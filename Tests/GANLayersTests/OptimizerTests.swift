import Foundation
import Testing
import GANTensor
@testable import GANLayers
import GANTestSupport

/// Optimiser trajectories against PyTorch: 20 steps on Linear(4,8)-Tanh-Linear(8,3) with an
/// MSE loss must end at PyTorch's weights within 1e-5 relative; state saved halfway and
/// restored into fresh objects must continue the same trajectory.
struct OptimizerTests {
    static let tolerance: Float = 1e-5

    static func network() -> Sequential {
        var rng = RandomGenerator(seed: 0)
        return Sequential(Linear(inputFeatures: 4, outputFeatures: 8, using: &rng), Tanh(),
                          Linear(inputFeatures: 8, outputFeatures: 3, using: &rng))
    }

    static func optimizer(_ kind: String, _ args: [String: Any], _ parameters: [Parameter]) -> Optimizer {
        func f(_ key: String, _ fallback: Float) -> Float { (args[key] as? NSNumber)?.floatValue ?? fallback }
        let lr = f("lr", 1e-3)
        switch kind {
        case "SGD":
            return SGD(parameters: parameters, learningRate: lr, momentum: f("momentum", 0), dampening: f("dampening", 0),
                       weightDecay: f("weight_decay", 0), nesterov: args["nesterov"] as? Bool ?? false)
        case "Adam", "AdamW":
            let betas = (args["betas"] as? [NSNumber])?.map(\.floatValue) ?? [0.9, 0.999]
            return Adam(parameters: parameters, learningRate: lr, betas: (betas[0], betas[1]), epsilon: f("eps", 1e-8),
                        weightDecay: f("weight_decay", kind == "AdamW" ? 0.01 : 0), amsgrad: args["amsgrad"] as? Bool ?? false,
                        decoupledWeightDecay: kind == "AdamW")
        case "RMSprop":
            return RMSprop(parameters: parameters, learningRate: lr, alpha: f("alpha", 0.99), epsilon: f("eps", 1e-8),
                           weightDecay: f("weight_decay", 0), momentum: f("momentum", 0),
                           centered: args["centered"] as? Bool ?? false)
        default:
            preconditionFailure("unknown optimizer \(kind)")
        }
    }

    static func train(_ net: Sequential, _ optimizer: Optimizer, _ fixture: Fixture, steps: Range<Int>) {
        let xs = fixture["xs"], ys = fixture["ys"]
        for step in steps {
            let x = xs.slice(axis: 0, start: step, end: step + 1).reshaped([16, 4])
            let y = ys.slice(axis: 0, start: step, end: step + 1).reshaped([16, 3])
            let loss = (net(x) - y).square().mean()
            optimizer.zeroGradients()
            loss.backward()
            optimizer.step()
        }
    }

    static func worstError(_ net: Module, _ fixture: Fixture, prefix: String) -> Float {
        net.stateDict().map { relativeError($0.tensor, fixture[prefix + $0.name]) }.max()!
    }

    static func setUp(_ fixture: Fixture, _ name: String) throws -> (Sequential, Optimizer) {
        let params = fixture.parameters(name)
        let net = network()
        var initial = StateDict()
        for key in net.stateDict().keys { initial[key] = fixture["initial." + key] }
        try net.load(stateDict: initial)
        return (net, optimizer(params["optimizer"] as! String, params["args"] as! [String: Any], net.parameters()))
    }

    @Test func trajectoriesMatchPyTorch() throws {
        let fixture = try Fixture("layers_optim")
        #expect(fixture.cases.count == 9)
        for name in fixture.cases {
            let (net, optimizer) = try Self.setUp(fixture, name)
            Self.train(net, optimizer, fixture, steps: 0..<10)
            let half = Self.worstError(net, fixture, prefix: name + ".half.")
            Self.train(net, optimizer, fixture, steps: 10..<20)
            let final = Self.worstError(net, fixture, prefix: name + ".final.")
            print("optimizer \(name): worst relative error after 10 steps \(half), after 20 steps \(final)")
            #expect(half <= Self.tolerance, "\(name) after 10 steps: \(half)")
            #expect(final <= Self.tolerance, "\(name) after 20 steps: \(final)")
            #expect(optimizer.stepCount == 20)
        }
    }

    @Test func stateSavedHalfwayContinuesTheSameTrajectory() throws {
        let fixture = try Fixture("layers_optim")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gan-optim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in fixture.cases {
            let (net, optimizer) = try Self.setUp(fixture, name)
            Self.train(net, optimizer, fixture, steps: 0..<10)
            var checkpoint = net.stateDict().prefixed("model.")
            checkpoint.merge(optimizer.stateDict().prefixed("optimizer."))
            let url = directory.appendingPathComponent("\(name).safetensors")
            try SafeTensors.write(checkpoint, to: url)
            Self.train(net, optimizer, fixture, steps: 10..<20)

            let (resumed, fresh) = try Self.setUp(fixture, name)
            let file = try SafeTensors.read(contentsOf: url)
            try resumed.load(stateDict: file.tensors.entries(withPrefix: "model."))
            try fresh.load(stateDict: file.tensors.entries(withPrefix: "optimizer."))
            #expect(fresh.stepCount == 10)
            Self.train(resumed, fresh, fixture, steps: 10..<20)
            for entry in net.stateDict() {
                #expect(resumed.stateDict()[entry.name]!.scalars == entry.tensor.scalars, "\(name) \(entry.name)")
            }
        }
    }

    @Test func badOptimizerStateIsRejected() throws {
        let net = Self.network()
        let adam = Adam(parameters: net.parameters())
        net(Tensor.ones([2, 4])).sum().backward()
        adam.step()
        let good = adam.stateDict()
        #expect(good.keys.contains("state.0.exp_avg") && good.keys.contains("state.3.step"))

        var wrongShape = good
        wrongShape["state.1.exp_avg"] = Tensor.zeros([3])
        var unknown = good
        unknown["state.9.exp_avg"] = Tensor.zeros([3])
        var incomplete = good
        incomplete.remove("state.2.exp_avg_sq")
        var notACount = good
        notACount["state.0.step"] = Tensor(Float.nan)
        for bad in [wrongShape, unknown, incomplete, notACount] {
            let fresh = Adam(parameters: net.parameters())
            #expect(throws: CheckpointError.self) { try fresh.load(stateDict: bad, source: "opt.safetensors") }
            #expect(fresh.stepCount == 0)
        }
        let sgd = SGD(parameters: net.parameters(), learningRate: 0.1, momentum: 0.9)
        #expect(throws: CheckpointError.self) { try sgd.load(stateDict: good) }  // Adam's names
    }

    @Test func explicitGradientsAndSkippedParameters() {
        var rng = RandomGenerator(seed: 4)
        let linear = Linear(inputFeatures: 2, outputFeatures: 2, using: &rng)
        let sgd = SGD(parameters: linear.parameters(), learningRate: 0.5)
        let w = linear.weight.value.scalars, b = linear.bias!.value.scalars
        sgd.step(gradients: [Tensor.ones([2, 2]), nil])
        #expect(linear.weight.value.scalars == w.map { $0 - 0.5 })
        #expect(linear.bias!.value.scalars == b)
        #expect(linear.weight.value.isLeaf && linear.weight.gradient == nil)
    }

    /// Adam's single-pass kernel gives the bits of the separate tensor operations it replaces
    /// (it would not with a fused multiply-add or a reordered expression), over three steps
    /// so the moments feed back, and with a tail that is not a whole vector.
    @Test func adamSinglePassEqualsTheSeparateOperations() {
        var rng = RandomGenerator(seed: 11)
        let shape = [37, 29]
        let parameter = Parameter(Tensor.randomNormal(shape, using: &rng))
        let lr: Float = 2e-4
        let adam = Adam(parameters: [parameter], learningRate: lr, betas: (0.5, 0.999))
        var p = parameter.value, m = Tensor.zeros(shape), v = Tensor.zeros(shape)
        for t in 1...3 {
            let g = Tensor.randomNormal(shape, using: &rng) * Float(t)
            adam.step(gradients: [g])
            m = m + (1 - 0.5) * (g - m)
            v = 0.999 * v + (1 - 0.999) * g * g
            let c1 = 1 - Foundation.pow(0.5, Double(t)), c2 = (1 - Foundation.pow(Double(Float(0.999)), Double(t))).squareRoot()
            p = p - Float(Double(lr) / c1) * (m / (v.sqrt() / Float(c2) + Float(1e-8)))
            #expect(parameter.value.scalars == p.scalars, "step \(t)")
            #expect(adam.stateDict()["state.0.exp_avg_sq"]!.scalars == v.scalars, "step \(t)")
        }
    }
}

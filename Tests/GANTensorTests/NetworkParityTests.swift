import Testing
@testable import GANTensor
import GANTestSupport

/// The dcgan28 discriminator of ../shared/bench written in tensor ops, checked whole against
/// PyTorch: forward, every parameter's gradient, running statistics, and the gradient of a
/// WGAN-GP penalty with respect to the weights (a second-order gradient through conv,
/// batch statistics, leaky ReLU and linear layers).
struct NetworkParityTests {
    /// `Conv(1→64,k4,s2,p1) LReLU Conv(64→128,k4,s2,p1) [BN] LReLU Flatten Linear(6272→1)`.
    struct Discriminator {
        var p: [String: Tensor]
        let batchNorm: Bool

        init(_ fixture: Fixture, prefix: String, batchNorm: Bool) {
            var p: [String: Tensor] = [:]
            for (name, t) in fixture.tensors where name.hasPrefix(prefix + "weights.") {
                let key = String(name.dropFirst(prefix.count + "weights.".count))
                p[key] = key.contains("running") ? t : t.requiringGradient()
            }
            self.p = p
            self.batchNorm = batchNorm
        }

        var linear: String { batchNorm ? "net.6" : "net.5" }
        var parameterNames: [String] {
            ["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"]
                + (batchNorm ? ["net.3.weight", "net.3.bias"] : []) + ["\(linear).weight", "\(linear).bias"]
        }

        /// Returns the logits and the updated running statistics (train mode).
        func callAsFunction(_ x: Tensor) -> (Tensor, mean: Tensor?, variance: Tensor?) {
            var h = x.conv2d(weight: p["net.0.weight"]!, bias: p["net.0.bias"]!, stride: (2, 2), padding: (1, 1))
            h = h.leakyRelu(negativeSlope: 0.2)
            h = h.conv2d(weight: p["net.2.weight"]!, bias: p["net.2.bias"]!, stride: (2, 2), padding: (1, 1))
            var runningMean: Tensor?, runningVariance: Tensor?
            if batchNorm {
                let mean = h.mean(axes: [0, 2, 3], keepDims: true)
                let variance = h.variance(axes: [0, 2, 3], correction: 0, keepDims: true)
                let n = Float(h.shape[0] * h.shape[2] * h.shape[3])
                h = (h - mean) * (variance + 1e-5).rsqrt()
                h = h * p["net.3.weight"]!.reshaped([1, -1, 1, 1]) + p["net.3.bias"]!.reshaped([1, -1, 1, 1])
                runningMean = 0.9 * p["net.3.running_mean"]! + 0.1 * mean.detach().reshaped([-1])
                runningVariance = 0.9 * p["net.3.running_var"]! + 0.1 * (variance.detach() * (n / (n - 1))).reshaped([-1])
            }
            h = h.leakyRelu(negativeSlope: 0.2).flattened(startAxis: 1)
            let out = h.matmul(p["\(linear).weight"]!.transposed()) + p["\(linear).bias"]!
            return (out, runningMean, runningVariance)
        }
    }

    @Test func dcgan28DiscriminatorForwardAndGradients() throws {
        let fixture = try Fixture("dcgan28_disc")
        let d = Discriminator(fixture, prefix: "", batchNorm: true)
        let x = fixture["x"].requiringGradient()
        let (out, mean, variance) = d(x)
        #expect(relativeError(out, fixture["out"]) <= 1e-4, "logits")
        #expect(relativeError(mean!, fixture["after.net.3.running_mean"]) <= 1e-4, "running mean")
        #expect(relativeError(variance!, fixture["after.net.3.running_var"]) <= 1e-4, "running var")
        let names = d.parameterNames
        let grads = gradients(of: out.sum(), wrt: names.map { d.p[$0]! } + [x])
        let scale = names.map { fixture["grad.\($0)"].abs().max().item }.max()!
        for (name, g) in zip(names, grads) {
            // conv2's bias feeds batch normalisation, which cancels its gradient: compare
            // it against the scale of the other gradients.
            let err = relativeError(g, fixture["grad.\(name)"], scale: name == "net.2.bias" ? scale : 1e-12)
            #expect(err <= 1e-4, "grad \(name): \(err)")
        }
        #expect(relativeError(grads.last!, fixture["grad.x"]) <= 1e-4, "grad x")
    }

    @Test(arguments: ["gp", "gpbn"])
    func wganGPPenaltyGradientMatchesPyTorch(_ prefix: String) throws {
        let fixture = try Fixture(prefix == "gp" ? "dcgan28_gp" : "dcgan28_gpbn")
        let d = Discriminator(fixture, prefix: prefix + ".", batchNorm: prefix == "gpbn")
        let alpha = fixture["\(prefix).alpha"]
        let xHat = (alpha * fixture["\(prefix).real"] + (1 - alpha) * fixture["\(prefix).fake"]).requiringGradient()
        let (score, _, _) = d(xHat)
        let gradX = gradients(of: score.sum(), wrt: [xHat], createGraph: true)[0]
        #expect(relativeError(gradX, fixture["\(prefix).gradx"]) <= 1e-4, "∂D/∂x̂")
        let penalty = (gradX.reshaped([gradX.shape[0], -1]).l2Norm(axes: [1]) - 1).square().mean()
        #expect(relativeError(penalty, fixture["\(prefix).penalty"]) <= 1e-4, "penalty \(penalty.item)")
        let names = d.parameterNames
        let grads = gradients(of: penalty, wrt: names.map { d.p[$0]! })
        let scale = names.map { fixture["\(prefix).grad.\($0)"].abs().max().item }.max()!
        for (name, g) in zip(names, grads) {
            let expected = fixture["\(prefix).grad.\(name)"]
            // Zero by construction: the last bias does not reach ∂D/∂x̂; BN cancels conv2's bias.
            let structurallyZero = name == "\(d.linear).bias" || (d.batchNorm && (name == "net.2.bias" || name == "net.3.bias"))
            let err = relativeError(g, expected, scale: structurallyZero ? scale : 1e-12)
            #expect(err <= 1e-4, "∂penalty/∂\(name): \(err)")
        }
    }
}

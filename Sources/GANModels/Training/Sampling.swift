import Foundation
import GANData
import GANLayers
import GANTensor

/// A trained model read back from a run folder, for sampling and interpolation.
public struct TrainedRun {
    public let folder: RunFolder
    public let run: RunSettings
    public let config: any ModelConfiguration
    public let model: GANModel
    /// The checkpoint loaded and its step.
    public let checkpoint: URL
    public let step: Int

    /// Reads `config.json`, rebuilds the model and loads `checkpoint` (default: the newest
    /// readable checkpoint of the run).
    public init(path: String, checkpoint: String? = nil) throws {
        folder = RunFolder(path: path)
        let saved = try folder.readConfig()
        run = saved.run
        config = saved.model
        var rng = RandomGenerator(seed: run.seed)
        model = try config.makeModel(using: &rng)
        if let checkpoint {
            let url = URL(fileURLWithPath: checkpoint)
            step = try Checkpoints.load(url, into: model, family: run.family).step
            self.checkpoint = url
        } else {
            guard let found = try Checkpoints.loadNewest(in: folder, into: model, family: run.family) else {
                throw ModelError.run("\(folder.checkpointsURL.path): no checkpoint yet; train first (gan train ... --out \(path))")
            }
            self.checkpoint = found.url
            step = found.state.step
        }
    }

    /// Latents `[count, latentDimension]` drawn from `seed`.
    public func latents(count: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return model.latents(count: count, using: &rng)
    }
}

/// Paths between two latents.
public enum Interpolation: String, CaseIterable, Sendable {
    /// `(1 − t)·a + t·b`.
    case linear
    /// Along the great circle (slerp), which keeps the norm typical of a Gaussian latent.
    case spherical

    /// The latents `[frames, D]` from `a` to `b` (`[1, D]` each), ends included.
    public func path(from a: Tensor, to b: Tensor, frames: Int) -> Tensor {
        precondition(frames >= 2 && a.shape == b.shape && a.rank == 2 && a.shape[0] == 1,
                     "Interpolation.path: expected two [1, D] latents and at least 2 frames")
        let x = a.scalars, y = b.scalars
        let dot = zip(x, y).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        let nx = x.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot(), ny = y.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        let omega = acos(Swift.max(-1, Swift.min(1, dot / Swift.max(nx * ny, 1e-12))))
        var values: [Float] = []
        for f in 0..<frames {
            let t = Float(f) / Float(frames - 1)
            let (wa, wb): (Float, Float)
            if self == .linear || sin(omega) < 1e-6 {
                (wa, wb) = (1 - t, t)
            } else {
                (wa, wb) = (sin((1 - t) * omega) / sin(omega), sin(t * omega) / sin(omega))
            }
            values += zip(x, y).map { wa * $0 + wb * $1 }
        }
        return Tensor(values, shape: [frames, x.count])
    }
}

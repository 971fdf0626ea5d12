import Foundation
import GANTensor

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

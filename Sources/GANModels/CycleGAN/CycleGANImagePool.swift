import GANLayers
import GANTensor

/// The history of generated images a CycleGAN discriminator is shown (Shrivastava et al.
/// 2017), as `util/image_pool.py` of the reference: until the pool is full each image is
/// stored and passed on; after that, with probability ½ an image is swapped for a random
/// stored one (which is passed on instead), otherwise it is passed on as it is.
///
/// Every draw comes from the trainer's RNG, and the contents are part of the checkpoint
/// (`images` `[count, C, H, W]` and `count`), so a resumed run queries the same pool.
public final class CycleGANImagePool {
    /// Images kept at most (0: no pool; every query returns its input).
    public let capacity: Int
    /// The stored images, each `[1, C, H, W]`, detached.
    public private(set) var images: [Tensor] = []

    public init(capacity: Int) {
        precondition(capacity >= 0, "CycleGANImagePool: capacity \(capacity) must not be negative")
        self.capacity = capacity
    }

    /// The batch `[N, C, H, W]` the discriminator sees in place of `batch`.
    public func query(_ batch: Tensor, using rng: inout RandomGenerator) -> Tensor {
        let fresh = batch.detach()
        guard capacity > 0 else { return fresh }
        var out: [Tensor] = []
        for i in 0..<fresh.shape[0] {
            let image = fresh.slice(axis: 0, start: i, end: i + 1)
            if images.count < capacity {
                images.append(image)
                out.append(image)
            } else if rng.nextUniform() > 0.5 {
                let j = min(Int(rng.nextUniform() * Float(capacity)), capacity - 1)
                out.append(images[j])
                images[j] = image
            } else {
                out.append(image)
            }
        }
        return Tensor.concatenate(out, axis: 0)
    }

    /// `count` (I64) and, when not empty, `images`.
    public func stateDict() -> StateDict {
        var state = StateDict()
        state.insert("count", Tensor(Float(images.count)), dtype: .int64)
        if !images.isEmpty { state.insert("images", Tensor.concatenate(images, axis: 0)) }
        return state
    }

    /// Restores what `stateDict()` saved, strictly.
    public func load(stateDict state: StateDict, source: String) throws {
        let keys = Set(state.keys)
        guard let countTensor = state["count"], countTensor.count == 1 else {
            throw CheckpointError.stateMismatch(file: source, missing: ["count"], unexpected: [], misshaped: [])
        }
        let count = Int(countTensor.item)
        guard count >= 0, count <= capacity else {
            throw CheckpointError.unrepresentable(file: source, tensor: "count",
                                                  reason: "holds \(count) images; the pool keeps 0...\(capacity)")
        }
        let expected: Set<String> = count > 0 ? ["count", "images"] : ["count"]
        guard keys == expected else {
            throw CheckpointError.stateMismatch(file: source, missing: expected.subtracting(keys).sorted(),
                                                unexpected: keys.subtracting(expected).sorted(), misshaped: [])
        }
        if count > 0 {
            let stacked = state["images"]!
            guard stacked.rank == 4, stacked.shape[0] == count else {
                throw CheckpointError.unrepresentable(file: source, tensor: "images",
                                                      reason: "has shape \(stacked.shape); expected [\(count), C, H, W]")
            }
            images = (0..<count).map { stacked.slice(axis: 0, start: $0, end: $0 + 1) }
        } else {
            images = []
        }
    }
}

import GANLayers
import GANTensor

/// The history of generated images that CycleGAN's discriminators are updated with
/// (Shrivastava et al. 2017), as `ImagePool` of `junyanz/pytorch-CycleGAN-and-pix2pix`
/// (`util/image_pool.py`) does it, image by image:
///
/// - while fewer than `capacity` images are stored, the image is stored and returned;
/// - then, with probability ½ a uniformly chosen stored image is returned and the new one takes
///   its place; otherwise the new image is returned and the pool is unchanged.
///
/// Every draw comes from the generator passed to `query` — the trainer's, so that a resumed
/// run draws the same numbers — never from one of its own. `stateDict()` holds the stored
/// images, so a checkpoint restores the pool exactly.
///
/// ```swift
/// let pool = CycleGANImagePool()                          // 50 images, as the paper
/// let history = pool.query(fakeB.detach(), using: &rng)   // [N, C, H, W] for D_B's fake term
/// ```
public final class CycleGANImagePool {
    /// The most images kept (the reference's `pool_size`, 50); 0 keeps none and returns the input.
    public let capacity: Int
    /// The stored images, `[C, H, W]` each, in slot order.
    public private(set) var images: [Tensor] = []

    /// An empty pool of at most `capacity` images.
    public init(capacity: Int = 50) {
        precondition(capacity >= 0, "CycleGANImagePool: capacity \(capacity) must not be negative")
        self.capacity = capacity
    }

    /// The number of stored images.
    public var count: Int { images.count }

    /// Images for the discriminator's fake term, one per input image, each the input itself or
    /// an older stored one (see the type's description). Draws, per input image once the pool is
    /// full, one uniform value and, when it exceeds ½, one slot index.
    ///
    /// - Parameters:
    ///   - batch: Newly generated images `[N, C, H, W]`; the pool keeps them detached.
    ///   - rng: The trainer's generator.
    /// - Returns: `[N, C, H, W]`, detached.
    public func query(_ batch: Tensor, using rng: inout RandomGenerator) -> Tensor {
        precondition(batch.rank == 4, "CycleGANImagePool.query: expected images [N, C, H, W], got \(batch.shape)")
        let fresh = batch.detach()
        guard capacity > 0 else { return fresh }
        if let stored = images.first {
            precondition(Array(batch.shape.dropFirst()) == stored.shape,
                         "CycleGANImagePool.query: the pool holds \(stored.shape) images, got a batch \(batch.shape)")
        }
        var result: [Tensor] = []
        result.reserveCapacity(batch.shape[0])
        for i in 0..<batch.shape[0] {
            let image = fresh.slice(axis: 0, start: i, end: i + 1).reshaped(Array(batch.shape.dropFirst()))
            if images.count < capacity {
                images.append(image)
                result.append(image)
            } else if rng.nextUniform() > 0.5 {
                // The reference's `random.randint(0, pool_size - 1)`: a slot in 0..<capacity.
                let slot = Int(rng.next().multipliedFullWidth(by: UInt64(capacity)).high)
                result.append(images[slot])
                images[slot] = image
            } else {
                result.append(image)
            }
        }
        return Tensor.stack(result, axis: 0)
    }

    /// The pool's contents: `count` (a scalar, saved as an integer) and, when not empty,
    /// `images` `[count, C, H, W]` in slot order. Prefix it (`pool_a.`) to put it in a checkpoint.
    public func stateDict() -> StateDict {
        var state = StateDict()
        state.insert("count", Tensor(Float(images.count)), dtype: .int64)
        if !images.isEmpty { state.insert("images", Tensor.stack(images, axis: 0)) }
        return state
    }

    /// Replaces the contents with those of `stateDict` (as `stateDict()` writes them), so the
    /// pool answers exactly as the saved one would have.
    ///
    /// - Throws: `ModelError.checkpoint` when an entry is missing or unexpected, the count is
    ///   not that of the images, or it exceeds `capacity`; the pool is then unchanged.
    public func load(stateDict: StateDict, source: String = "state dict") throws {
        guard let countTensor = stateDict["count"], countTensor.count == 1 else {
            throw ModelError.checkpoint("\(source): the image pool has no scalar 'count'")
        }
        let count = Int(countTensor.scalars[0])
        let unexpected = stateDict.keys.filter { $0 != "count" && $0 != "images" }
        guard unexpected.isEmpty else {
            throw ModelError.checkpoint("\(source): the image pool has unexpected entries \(unexpected)")
        }
        guard count >= 0, count <= capacity else {
            throw ModelError.checkpoint("\(source): the image pool holds \(count) images, expected 0…\(capacity)")
        }
        guard count > 0 else {
            guard stateDict["images"] == nil else {
                throw ModelError.checkpoint("\(source): the image pool has 'images' but a count of 0")
            }
            images = []
            return
        }
        guard let stored = stateDict["images"], stored.rank == 4, stored.shape[0] == count else {
            throw ModelError.checkpoint("\(source): the image pool needs 'images' [\(count), C, H, W], got "
                + (stateDict["images"].map { "\($0.shape)" } ?? "none"))
        }
        let shape = Array(stored.shape.dropFirst())
        images = (0..<count).map { stored.slice(axis: 0, start: $0, end: $0 + 1).reshaped(shape) }
    }
}

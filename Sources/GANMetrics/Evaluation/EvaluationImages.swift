import Foundation
import GANData
import GANTensor

/// Images for the `Evaluator`, handed over a batch at a time: a data set in memory (real
/// images, a `.npy` of samples) or a generator sampled on demand.
///
/// ```swift
/// let real = try EvaluationImages(dataset: testSet, count: 10_000)
/// let fake = EvaluationImages.generated(name: "dcgan step 1874", count: 10_000, imageShape: [1, 28, 28],
///                                       classCount: 0) { range, _ in
///     model.generate(z.slice(axis: 0, start: range.lowerBound, end: range.upperBound))
/// }
/// ```
public struct EvaluationImages {
    /// Where the images come from, for messages and the results.
    public let name: String
    /// N, the number of images.
    public let count: Int
    /// The shape of one image, `[C, H, W]`.
    public let imageShape: [Int]
    /// The class of each image, when known: a conditional generator's labels, or a labelled
    /// data set's. `acc` needs them.
    public let labels: [Int]?
    /// The SHA-256 of the images' values (data sets only): what keys the reference cache.
    public let contentHash: String?
    private let fetch: (Range<Int>) throws -> Tensor

    /// Images that `images` returns a range at a time (`[range.count] + imageShape`, values in
    /// [-1, 1]).
    public init(name: String, count: Int, imageShape: [Int], labels: [Int]? = nil, contentHash: String? = nil,
                images: @escaping (Range<Int>) throws -> Tensor) {
        precondition(count >= 0, "EvaluationImages: count \(count) must not be negative")
        precondition(labels == nil || labels!.count == count, "EvaluationImages: \(labels!.count) labels for \(count) images")
        self.name = name
        self.count = count
        self.imageShape = imageShape
        self.labels = labels
        self.contentHash = contentHash
        self.fetch = images
    }

    /// The first `count` images of a data set (all when `nil`), with its labels.
    ///
    /// - Throws: `MetricsError` when the data set does not hold images `[C, H, W]` with 1 or 3
    ///   channels, has fewer than `count` samples, or holds float values clearly outside
    ///   [-1, 1] (0–255 pixels saved as float32, for instance).
    public init(dataset: Dataset, count: Int? = nil) throws {
        let shape = dataset.sampleShape
        guard dataset.isImage, shape[0] == 1 || shape[0] == 3 else {
            throw MetricsError(dataset.name, "expected images [N, C, H, W] with 1 or 3 channels (or [N, H, W]), "
                + "found samples of shape \(shape)")
        }
        let n = count ?? dataset.count
        guard n >= 1 else { throw MetricsError(dataset.name, "expected at least one image, asked for \(n)") }
        guard n <= dataset.count else {
            throw MetricsError(dataset.name, "asked for \(n) images, but it holds \(dataset.count)")
        }
        let size = dataset.sampleSize
        var hash = SHA256()
        hash.update("shape \(shape)\n")
        switch dataset.values {
        case .bytes(let bytes):
            hash.update("uint8\n")
            hash.update(bytes[0..<(n * size)])
        case .floats(let floats):
            let values = floats[0..<(n * size)]
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw MetricsError(dataset.name, "image \(bad / size) holds the value \(values[bad]); images must be finite")
            }
            let low = values.min() ?? 0, high = values.max() ?? 0
            guard low >= -1.5, high <= 1.5 else {
                throw MetricsError(dataset.name, String(format: "values range from %g to %g; expected images in [-1, 1] "
                    + "(a generator's tanh output). Save 0–255 pixels as uint8, or scale to [-1, 1]", low, high))
            }
            hash.update("float32\n")
            var start = values.startIndex
            while start < values.endIndex {
                let end = Swift.min(start + 65_536, values.endIndex)
                var piece = [UInt8]()
                piece.reserveCapacity(4 * (end - start))
                for v in values[start..<end] {
                    let bits = v.bitPattern
                    piece += [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8),
                              UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 24)]
                }
                hash.update(piece)
                start = end
            }
        }
        let labels = dataset.labels.map { Array($0[0..<n]) }
        self.init(name: dataset.name + (n < dataset.count ? " (first \(n))" : ""), count: n, imageShape: shape,
                  labels: labels, contentHash: hash.hexDigest()) { range in
            dataset.samples(at: Array(range))
        }
    }

    /// `count` images from a generator, `generate(range, labels)` making the images of
    /// `range`. A conditional generator (`classCount > 0`) gets the classes in turn
    /// (`i % classCount` for image `i`), so every class has the same number of images when
    /// `count` is a multiple of `classCount`; `labels` is then that range's classes.
    public static func generated(
        name: String, count: Int, imageShape: [Int], classCount: Int,
        generate: @escaping (Range<Int>, [Int]?) throws -> Tensor
    ) -> EvaluationImages {
        let labels = classCount > 0 ? (0..<count).map { $0 % classCount } : nil
        return EvaluationImages(name: name, count: count, imageShape: imageShape, labels: labels) { range in
            try generate(range, labels.map { Array($0[range]) })
        }
    }

    /// The images of `range`, checked for shape.
    ///
    /// - Throws: What the source throws; `MetricsError` for a batch of another shape.
    func images(_ range: Range<Int>) throws -> Tensor {
        let batch = try fetch(range)
        guard batch.shape == [range.count] + imageShape else {
            throw MetricsError(name, "images \(range.lowerBound)..<\(range.upperBound): expected shape "
                + "\([range.count] + imageShape), found \(batch.shape)")
        }
        return batch
    }
}

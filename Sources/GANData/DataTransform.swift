/// A pixel transform a data spec applies after loading, written after a `|`:
/// `fashion-mnist|negative`, `fashion-mnist@sneaker|edges`. CoGAN learns a joint distribution
/// from two such domains of the same images (the paper's digits and their negatives or edges).
///
/// Transforms apply to images, after the class filter and the resize, so an edge map is
/// taken at the size the networks see; several compose left to right (`|edges|negative`).
public enum DataTransform: String, Codable, Sendable, CaseIterable {
    /// `1 − v` on pixel values in [0, 1] (bytes `255 − b`): `−x` in the [−1, 1] the networks
    /// see, exactly.
    case negative
    /// The Sobel gradient magnitude `√(gx² + gy²)` of each channel (pixel values in [0, 1],
    /// borders replicated), divided by the image's largest magnitude so every image spans
    /// [0, 1] (a flat image gives 0). A standard, threshold-free edge map: the CoGAN paper
    /// made its edge digits with its own edge detector, which this does not reproduce.
    case edges

    /// The names a spec accepts, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The transform named `name`.
    ///
    /// - Throws: `.invalidArgument` naming `spec` and the transforms that exist.
    init(parsing name: Substring, in spec: String) throws {
        guard let transform = DataTransform(rawValue: String(name)) else {
            throw DataError(.invalidArgument, path: spec,
                            "unknown transform '\(name)' after '|': expected one of \(DataTransform.names)")
        }
        self = transform
    }

    /// `data` with every image transformed; the name gains `|<transform>`.
    ///
    /// - Throws: `.invalidArgument` when the samples are not images `[C, H, W]`.
    public func apply(to data: Dataset) throws -> Dataset {
        guard data.isImage else {
            throw DataError(.invalidArgument, path: data.name,
                            "the '\(rawValue)' transform applies to images, not samples of shape \(data.sampleShape)")
        }
        let (c, h, w) = (data.sampleShape[0], data.sampleShape[1], data.sampleShape[2])
        let values: Dataset.Values
        switch (self, data.values) {
        case (.negative, .bytes(let bytes)):
            values = .bytes(bytes.map { 255 - $0 })
        case (.negative, .floats(let floats)):
            values = .floats(floats.map { -$0 })
        case (.edges, .bytes(let bytes)):
            let unit = PixelKernels.edgeMagnitudes(bytes.map { Float($0) / 255 }, images: data.count, channels: c,
                                                   height: h, width: w)
            values = .bytes(unit.map { UInt8(($0 * 255).rounded()) })
        case (.edges, .floats(let floats)):
            // Float images are in [−1, 1]: edges of (x + 1) / 2, mapped back to [−1, 1].
            let unit = PixelKernels.edgeMagnitudes(floats.map { ($0 + 1) / 2 }, images: data.count, channels: c,
                                                   height: h, width: w)
            values = .floats(unit.map { 2 * $0 - 1 })
        }
        return Dataset(name: data.name + "|" + rawValue, values: values, sampleShape: data.sampleShape,
                       labels: data.labels, classNames: data.classNames)
    }
}

import Foundation
import GANTensor
import Testing
@testable import GANData

/// Data spec transforms (`|negative`, `|edges`): CoGAN's second domain made from the first.
@Suite struct DataTransformTests {
    @Test(arguments: [
        "fashion-mnist|negative", "fashion-mnist|edges", "fashion-mnist@sneaker|negative",
        "fashion-mnist:/d@7,9|edges|negative", "idx:/a/img.gz,/a/lab.gz|edges", "folder:/a@b/c.d|negative",
    ])
    func parsesAndPrintsBack(text: String) throws {
        #expect(try DataSpec(parsing: text).description == text)
    }

    @Test func partsAndEncoding() throws {
        let spec = try DataSpec(parsing: "fashion-mnist@sneaker|negative")
        #expect(spec == DataSpec(source: .fashionMNIST(directory: nil), classes: ["sneaker"], transforms: [.negative]))
        #expect(try DataSpec(parsing: "fashion-mnist|edges").classes == nil)
        // A run folder's config.json: the text, with or without a transform.
        let json = try JSONEncoder().encode(["a": try DataSpec(parsing: "fashion-mnist@7"), "b": spec])
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains(#""a":"fashion-mnist@7""#) && text.contains(#""b":"fashion-mnist@sneaker|negative""#))
        #expect(try JSONDecoder().decode([String: DataSpec].self, from: json)["b"] == spec)
    }

    @Test(arguments: ["fashion-mnist|blur", "fashion-mnist|", "fashion-mnist@sneaker|negative|sobel"])
    func unknownTransformIsOneClearError(text: String) {
        let error = dataError { try DataSpec(parsing: text) }
        expectError(error, .invalidArgument, mentions: [text, "unknown transform", "negative, edges"])
    }

    /// Writes `bytes` (images of `shape`) and `labels` as Fashion-MNIST training IDX files in `dir`.
    static func writeImages(_ dir: TemporaryDirectory, _ bytes: [UInt8], shape: [Int], labels: [UInt8]) throws {
        try IDX.write(IDXArray(shape: shape, bytes: bytes), to: dir.file("train-images-idx3-ubyte"))
        try IDX.write(IDXArray(shape: [labels.count], bytes: labels), to: dir.file("train-labels-idx1-ubyte"))
    }

    @Test func negativeOfAKnownImageWithAClassFilter() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let bytes: [UInt8] = [0, 51, 255, 128, 7, 200,   1, 2, 3, 4, 5, 6,   255, 0, 10, 20, 30, 40]
        try Self.writeImages(dir, bytes, shape: [3, 2, 3], labels: [7, 9, 7])
        let plain = try DataSpec(parsing: "fashion-mnist:\(dir.path)@sneaker").load()
        let negative = try DataSpec(parsing: "fashion-mnist:\(dir.path)@sneaker|negative").load()
        #expect(negative.count == 2 && negative.labels == [7, 7] && negative.name.hasSuffix("|negative"))
        #expect(negative.values == .bytes([255, 204, 0, 127, 248, 55,   0, 255, 245, 235, 225, 215]))
        // In the networks' range the negative is exactly −x.
        #expect(negative.allSamples().scalars == plain.allSamples().scalars.map { -$0 })
        // Twice is the identity.
        #expect(try DataSpec(parsing: "fashion-mnist:\(dir.path)@sneaker|negative|negative").load().values == plain.values)
        // Float images: −x as well.
        let floats = Dataset(name: "f", values: .floats([-1, 0.5, 0.25, 1]), sampleShape: [1, 2, 2])
        #expect(try DataTransform.negative.apply(to: floats).values == .floats([1, -0.5, -0.25, -1]))
    }

    @Test func edgeMapOfASquareLiesOnItsBorder() throws {
        let side = 16
        var bytes = [UInt8](repeating: 0, count: side * side)
        for y in 4..<12 { for x in 4..<12 { bytes[y * side + x] = 255 } }
        let image = Dataset(name: "square", values: .bytes(bytes + [UInt8](repeating: 90, count: side * side)),
                            sampleShape: [1, side, side])
        let edges = try DataTransform.edges.apply(to: image)
        guard case .bytes(let e) = edges.values else { Issue.record("edge map is not bytes"); return }
        // Non-zero exactly where a 3×3 window holds both square and background:
        // [3, 12]² without [5, 10]²; zero inside the square and far outside.
        for y in 0..<side { for x in 0..<side {
            let band = (3...12).contains(x) && (3...12).contains(y) && !((5...10).contains(x) && (5...10).contains(y))
            #expect((e[y * side + x] > 0) == band, "pixel (\(x), \(y)) = \(e[y * side + x])")
        } }
        // Normalised per image: the corners (|g| = 3√2) are 1; a straight edge (|g| = 4) is 4 / 3√2.
        #expect(e[4 * side + 4] == 255 && e[11 * side + 11] == 255)
        #expect(e[8 * side + 4] == UInt8((255 * 4 / (3 * 2.0.squareRoot())).rounded()))
        #expect(e[8 * side + 3] == e[8 * side + 4])
        // A flat image has no edges.
        #expect(e[(side * side)...].allSatisfy { $0 == 0 })
        #expect(edges.name == "square|edges")
        // Points are not images.
        expectError(dataError { try DataSpec(parsing: "toy:ring8|edges").load(DataLoadOptions(toySampleCount: 10)) },
                    .invalidArgument, mentions: ["edges", "applies to images"])
    }
}

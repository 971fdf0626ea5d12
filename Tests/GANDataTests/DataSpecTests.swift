import Foundation
import Testing
@testable import GANData

@Suite struct DataSpecTests {
    @Test(arguments: [
        "fashion-mnist", "fashion-mnist:/data/fm", "mnist:/m", "kmnist:k", "idx:/a/img.gz", "idx:/a/img.gz,/a/lab.gz",
        "cifar10:/c", "cifar100:/c", "folder:/photos", "npy:x.npy", "npy:x.npy,y.npy", "toy:ring8", "toy:grid25",
        "fashion-mnist@sneaker", "fashion-mnist@7,9", "folder:/a@b/c.d",
    ])
    func parsesAndPrintsBack(text: String) throws {
        #expect(try DataSpec(parsing: text).description == text)
    }

    @Test func parts() throws {
        #expect(try DataSpec(parsing: "idx:i,l") == DataSpec(source: .idx(images: "i", labels: "l")))
        #expect(try DataSpec(parsing: "fashion-mnist@ankle-boot,Sneaker")
            == DataSpec(source: .fashionMNIST(directory: nil), classes: ["ankle-boot", "Sneaker"]))
        // An '@' inside a path is part of the path.
        #expect(try DataSpec(parsing: "folder:/me@host/pics").source == .folder(directory: "/me@host/pics"))
        // Codable as its text.
        let json = try JSONEncoder().encode(["data": try DataSpec(parsing: "toy:ring8@0")])
        #expect(String(decoding: json, as: UTF8.self) == #"{"data":"toy:ring8@0"}"#)
        #expect(try JSONDecoder().decode([String: DataSpec].self, from: json)["data"] == DataSpec(source: .toy("ring8"), classes: ["0"]))
    }

    @Test(arguments: [
        ("imagenet", "unknown data spec"), ("folder:", "expected a path"), ("toy:ring9", "unknown toy distribution"),
        ("fashion-mnist@", "expected class names"), ("idx:", "expected a path"),
    ])
    func rejects(text: String, reason: String) {
        expectError(dataError { try DataSpec(parsing: text) }, .invalidArgument, mentions: [text, reason])
    }

    @Test func loadsIDXWithClassFilterAndResize() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        try IDX.write(IDXArray(shape: [4, 2, 2], bytes: (0..<16).map { UInt8($0 * 16) }), to: dir.file("train-images-idx3-ubyte.gz"), gzip: true)
        try IDX.write(IDXArray(shape: [4], bytes: [7, 9, 7, 0]), to: dir.file("train-labels-idx1-ubyte.gz"), gzip: true)
        try IDX.write(IDXArray(shape: [1, 2, 2], bytes: [1, 2, 3, 4]), to: dir.file("t10k-images-idx3-ubyte"))
        try IDX.write(IDXArray(shape: [1], bytes: [9]), to: dir.file("t10k-labels-idx1-ubyte"))

        let sneakers = try DataSpec(parsing: "fashion-mnist:\(dir.path)@sneaker").load()
        #expect(sneakers.count == 2 && sneakers.labels == [7, 7] && sneakers.classNames[7] == "Sneaker")
        let both = try DataSpec(parsing: "fashion-mnist:\(dir.path)@Ankle-Boot,7").load()
        #expect(both.labels == [7, 9, 7])
        let test = try DataSpec(parsing: "fashion-mnist:\(dir.path)").load(DataLoadOptions(split: .test, imageSize: 4, channels: 3))
        #expect(test.count == 1 && test.sampleShape == [3, 4, 4])
        expectError(dataError { try DataSpec(parsing: "fashion-mnist:\(dir.path)@hat").load() }, .invalidArgument,
                    mentions: ["unknown class 'hat'", "Ankle boot"])
        expectError(dataError { try DataSpec(parsing: "fashion-mnist:\(dir.path)@trouser").load() }, .empty,
                    mentions: ["no samples"])
        expectError(dataError { try DataSpec(parsing: "mnist:\(dir.file("none"))").load() }, .notFound, mentions: ["none"])
        let empty = try dir.directory("empty")
        expectError(dataError { try DataSpec(parsing: "kmnist:\(empty)").load() }, .notFound,
                    mentions: ["train-images-idx3-ubyte.gz"])
    }

    @Test func loadsToyMixtures() throws {
        let ring = try DataSpec(parsing: "toy:ring8").load(DataLoadOptions(toySampleCount: 800, seed: 3))
        #expect(ring.count == 800 && ring.sampleShape == [2] && ring.classNames.count == 8)
        let again = try DataSpec(parsing: "toy:ring8").load(DataLoadOptions(toySampleCount: 800, seed: 3))
        #expect(again.values == ring.values)
        let test = try DataSpec(parsing: "toy:ring8").load(DataLoadOptions(split: .test, toySampleCount: 800, seed: 3))
        #expect(test.values != ring.values)
        let oneMode = try DataSpec(parsing: "toy:grid25@mode12").load(DataLoadOptions(toySampleCount: 2500))
        #expect(oneMode.labels!.allSatisfy { $0 == 12 } && oneMode.count > 40)
        expectError(dataError { try DataSpec(parsing: "toy:ring8").load(DataLoadOptions(imageSize: 8)) }, .invalidArgument,
                    mentions: ["apply to images"])
    }
}

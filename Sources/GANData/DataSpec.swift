/// Which part of a data set to read.
public enum DataSplit: String, Codable, Sendable, CaseIterable {
    /// The training images (Fashion-MNIST's 60,000).
    case train
    /// The held-out images (Fashion-MNIST's 10,000).
    case test
}

/// How a data spec is turned into a data set beyond what the spec says.
public struct DataLoadOptions: Codable, Equatable, Sendable {
    /// Training or test images (ignored by sources without splits: folders, `.npy`, IDX pairs).
    public var split: DataSplit
    /// Resize (shorter side) and centre-crop every image to `imageSize`×`imageSize`.
    public var imageSize: Int?
    /// Convert every image to 1 (grey) or 3 (RGB) channels.
    public var channels: Int?
    /// Points drawn for a toy mixture.
    public var toySampleCount: Int
    /// Seed for the toy points (the test split uses a different stream).
    public var seed: UInt64

    /// Options with the given values; the defaults read the training split unchanged.
    public init(split: DataSplit = .train, imageSize: Int? = nil, channels: Int? = nil,
                toySampleCount: Int = 100_000, seed: UInt64 = 0) {
        self.split = split
        self.imageSize = imageSize
        self.channels = channels
        self.toySampleCount = toySampleCount
        self.seed = seed
    }
}

/// A data set named the way the CLI accepts it, with an optional class filter.
///
/// | spec | reads |
/// |---|---|
/// | `fashion-mnist` | Fashion-MNIST from `/usr/share/datasets/fashion-mnist` (Debian's `dataset-fashion-mnist`) |
/// | `fashion-mnist:DIR`, `mnist:DIR`, `kmnist:DIR` | the IDX files (`train-images-idx3-ubyte[.gz]`, ...) in DIR |
/// | `idx:IMAGES[,LABELS]` | one IDX images file and optionally its labels, raw or gzipped |
/// | `cifar10:DIR`, `cifar100:DIR` | the CIFAR binary batches in DIR |
/// | `folder:DIR` | PNG/JPEG images under DIR, class = top-level sub-folder |
/// | `npy:FILE[,LABELS]` | a NumPy array of samples (and one of labels) |
/// | `toy:ring8`, `toy:grid25` | the toy Gaussian mixtures |
///
/// A class filter follows an `@`: `fashion-mnist@sneaker` or `fashion-mnist@7,9` — one
/// CycleGAN domain each for `fashion-mnist@sneaker` ↔ `fashion-mnist@ankle-boot`.
///
/// Pixel transforms follow a `|`, after any class filter: `fashion-mnist|negative`,
/// `fashion-mnist@sneaker|edges` (see `DataTransform`) — CoGAN's second domain.
///
/// ```swift
/// let spec = try DataSpec(parsing: "fashion-mnist@ankle-boot")
/// let boots = try spec.load()          // 6,000 × [1, 28, 28]
/// ```
public struct DataSpec: Codable, Equatable, Sendable, CustomStringConvertible {
    /// Where the samples come from.
    public enum Source: Equatable, Sendable {
        /// Fashion-MNIST in `directory`, or in the Debian package's directory when `nil`.
        case fashionMNIST(directory: String?)
        /// MNIST's IDX files in `directory`.
        case mnist(directory: String)
        /// Kuzushiji-MNIST's IDX files in `directory`.
        case kmnist(directory: String)
        /// One IDX images file and an optional labels file.
        case idx(images: String, labels: String?)
        /// CIFAR-10 binary batches.
        case cifar10(directory: String)
        /// CIFAR-100 binary batches (fine labels).
        case cifar100(directory: String)
        /// A folder of images.
        case folder(directory: String)
        /// A `.npy` of samples and an optional `.npy` of labels.
        case npy(file: String, labels: String?)
        /// A toy mixture by name (`ring8`, `grid25`).
        case toy(String)
    }

    /// Where Debian's `dataset-fashion-mnist` puts the files.
    public static let debianFashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    /// Fashion-MNIST's ten classes, by label.
    public static let fashionMNISTClassNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// Kuzushiji-MNIST's ten classes (romanised hiragana), by label.
    public static let kmnistClassNames = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]

    /// The source.
    public var source: Source
    /// Classes to keep (names or label numbers); `nil` keeps all.
    public var classes: [String]?
    /// Pixel transforms applied after loading, in order; empty for the images as they are.
    public var transforms: [DataTransform]

    /// A spec from its parts.
    public init(source: Source, classes: [String]? = nil, transforms: [DataTransform] = []) {
        self.source = source
        self.classes = classes
        self.transforms = transforms
    }

    /// Parses a spec as the CLI accepts it (see the table above).
    ///
    /// - Throws: `.invalidArgument` naming the spec and listing the accepted forms.
    public init(parsing text: String) throws {
        var body = Substring(text)
        var transforms: [DataTransform] = []
        if let bar = body.firstIndex(of: "|") {
            transforms = try body[body.index(after: bar)...].split(separator: "|", omittingEmptySubsequences: false)
                .map { try DataTransform(parsing: $0, in: text) }
            body = body[..<bar]
        }
        var classes: [String]?
        if let at = body.lastIndex(of: "@"), !body[body.index(after: at)...].contains("/") {
            let list = body[body.index(after: at)...].split(separator: ",").map(String.init).filter { !$0.isEmpty }
            guard !list.isEmpty else {
                throw DataError(.invalidArgument, path: text, "expected class names or numbers after '@'")
            }
            classes = list
            body = body[..<at]
        }
        let kind: Substring, argument: String?
        if let colon = body.firstIndex(of: ":") {
            kind = body[..<colon]
            // `~` is the shell's to expand, but it does not inside a spec: folder:~/faces.
            argument = String(body[body.index(after: colon)...]).split(separator: ",", omittingEmptySubsequences: false)
                .map { FileIO.expandingTilde(String($0)) }.joined(separator: ",")
        } else {
            kind = body
            argument = nil
        }
        func required() throws -> String {
            guard let argument, !argument.isEmpty else {
                throw DataError(.invalidArgument, path: text, "expected a path after '\(kind):'")
            }
            return argument
        }
        func pair() throws -> (String, String?) {
            let value = try required()
            guard let comma = value.firstIndex(of: ",") else { return (value, nil) }
            let second = String(value[value.index(after: comma)...])
            return (String(value[..<comma]), second.isEmpty ? nil : second)
        }
        let source: Source
        switch kind {
        case "fashion-mnist": source = .fashionMNIST(directory: argument.flatMap { $0.isEmpty ? nil : $0 })
        case "mnist": source = .mnist(directory: try required())
        case "kmnist": source = .kmnist(directory: try required())
        case "idx": let (a, b) = try pair(); source = .idx(images: a, labels: b)
        case "cifar10": source = .cifar10(directory: try required())
        case "cifar100": source = .cifar100(directory: try required())
        case "folder": source = .folder(directory: try required())
        case "npy": let (a, b) = try pair(); source = .npy(file: a, labels: b)
        case "toy":
            let name = try required()
            guard ToyMixture.named(name) != nil else {
                throw DataError(.invalidArgument, path: text,
                                "unknown toy distribution '\(name)': expected \(ToyMixture.all.map(\.name).joined(separator: " or "))")
            }
            source = .toy(name)
        default:
            throw DataError(.invalidArgument, path: text, """
                unknown data spec: expected fashion-mnist[:DIR], mnist:DIR, kmnist:DIR, idx:IMAGES[,LABELS], \
                cifar10:DIR, cifar100:DIR, folder:DIR, npy:FILE[,LABELS], toy:ring8 or toy:grid25, \
                optionally followed by @CLASS[,CLASS...] and |TRANSFORM (\(DataTransform.names))
                """)
        }
        self.init(source: source, classes: classes, transforms: transforms)
    }

    /// The spec as text; parsing it gives this spec back.
    public var description: String {
        let base: String
        switch source {
        case .fashionMNIST(let directory): base = directory.map { "fashion-mnist:\($0)" } ?? "fashion-mnist"
        case .mnist(let directory): base = "mnist:\(directory)"
        case .kmnist(let directory): base = "kmnist:\(directory)"
        case .idx(let images, let labels): base = "idx:\(images)" + (labels.map { ",\($0)" } ?? "")
        case .cifar10(let directory): base = "cifar10:\(directory)"
        case .cifar100(let directory): base = "cifar100:\(directory)"
        case .folder(let directory): base = "folder:\(directory)"
        case .npy(let file, let labels): base = "npy:\(file)" + (labels.map { ",\($0)" } ?? "")
        case .toy(let name): base = "toy:\(name)"
        }
        return base + (classes.map { "@" + $0.joined(separator: ",") } ?? "")
            + transforms.map { "|" + $0.rawValue }.joined()
    }

    /// Encoded as its text, so a run's `config.json` reads `"data": "fashion-mnist@sneaker"`.
    public init(from decoder: Decoder) throws {
        try self.init(parsing: decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    // MARK: Loading

    /// Reads the data set: the split asked for, filtered to `classes`, resized and converted
    /// as `options` ask, then transformed by `transforms`.
    public func load(_ options: DataLoadOptions = DataLoadOptions()) throws -> Dataset {
        if let size = options.imageSize, size <= 0 {
            throw DataError(.invalidArgument, path: description, "image size must be positive, got \(size)")
        }
        if let channels = options.channels, channels != 1 && channels != 3 {
            throw DataError(.invalidArgument, path: description, "channels must be 1 or 3, got \(channels)")
        }
        var data: Dataset
        var alreadyShaped = false
        switch source {
        case .fashionMNIST(let directory):
            let folder = directory ?? DataSpec.debianFashionMNISTDirectory
            if directory == nil && !FileIO.isDirectory(folder) {
                throw DataError(.notFound, path: folder, """
                    Fashion-MNIST not found: install Debian's package (apt-get install dataset-fashion-mnist) \
                    or name the directory that holds its IDX files as fashion-mnist:DIR
                    """)
            }
            data = try DataSpec.loadIDXDirectory(folder, split: options.split,
                                                 classNames: DataSpec.fashionMNISTClassNames, name: description)
        case .mnist(let directory):
            data = try DataSpec.loadIDXDirectory(directory, split: options.split,
                                                 classNames: (0...9).map(String.init), name: description)
        case .kmnist(let directory):
            data = try DataSpec.loadIDXDirectory(directory, split: options.split,
                                                 classNames: DataSpec.kmnistClassNames, name: description)
        case .idx(let images, let labels):
            data = try IDX.loadDataset(images: images, labels: labels, name: description)
        case .cifar10(let directory):
            data = try CIFAR.loadDataset(directory: directory, variant: .cifar10, split: options.split)
        case .cifar100(let directory):
            data = try CIFAR.loadDataset(directory: directory, variant: .cifar100, split: options.split)
        case .folder(let directory):
            data = try ImageFolder.loadDataset(directory, size: options.imageSize, channels: options.channels)
            alreadyShaped = true
        case .npy(let file, let labels):
            data = try NumPy.loadDataset(file, labels: labels)
        case .toy(let name):
            guard let mixture = ToyMixture.named(name) else {
                throw DataError(.invalidArgument, path: description, "unknown toy distribution '\(name)'")
            }
            let seed = options.split == .train ? options.seed : options.seed ^ 0x7E57_7E57_7E57_7E57
            data = mixture.dataset(count: options.toySampleCount, seed: seed)
        }
        if let classes {
            data = try data.filtered(classes: data.classIndices(named: classes))
        }
        if !alreadyShaped && (options.imageSize != nil || options.channels != nil) {
            guard data.isImage else {
                throw DataError(.invalidArgument, path: description, "image size and channels apply to images, not samples of shape \(data.sampleShape)")
            }
            data = data.resized(to: options.imageSize, channels: options.channels)
        }
        for transform in transforms {
            data = try transform.apply(to: data)
        }
        return data
    }

    /// The images and labels of one split from a directory of MNIST-style IDX files.
    static func loadIDXDirectory(_ directory: String, split: DataSplit, classNames: [String], name: String) throws -> Dataset {
        guard FileIO.isDirectory(directory) else {
            throw DataError(.notFound, path: directory, "expected a directory holding MNIST-style IDX files")
        }
        let prefix = split == .train ? "train" : "t10k"
        func find(_ kind: String, _ rank: Int) throws -> String {
            let names = ["\(prefix)-\(kind)-idx\(rank)-ubyte", "\(prefix)-\(kind).idx\(rank)-ubyte"]
            for base in names {
                for candidate in [base + ".gz", base] where FileIO.exists(FileIO.join(directory, candidate)) {
                    return FileIO.join(directory, candidate)
                }
            }
            throw DataError(.notFound, path: directory, "expected \(names[0]).gz or \(names[0]) in this directory")
        }
        return try IDX.loadDataset(images: find("images", 3), labels: find("labels", 1),
                                   classNames: classNames, name: "\(name) (\(split.rawValue))")
    }
}

/// An option of `gan train` that a family declares: `--NAME VALUE`, or `--NAME` alone for a flag.
/// Only declared options reach a family's config; any other is refused naming the families
/// that take it.
public struct FamilyOption: Equatable, Sendable {
    /// The name without dashes (`clip`).
    public let name: String
    /// The value's placeholder in help (`C`); `nil` for a flag.
    public let valueName: String?
    public let help: String

    public init(_ name: String, _ valueName: String?, _ help: String) {
        self.name = name
        self.valueName = valueName
        self.help = help
    }

    /// `--clip C`.
    public var usage: String { "--\(name)" + (valueName.map { " \($0)" } ?? "") }

    // Options several families share.
    public static let loss = FamilyOption("loss", "NAME",
        "the loss: " + AdversarialLoss.allCases.map(\.rawValue).joined(separator: ", "))
    public static let criticSteps = FamilyOption("n-critic", "K", "discriminator (critic) steps per generator step")
    public static let learningRate = FamilyOption("lr", "RATE", "learning rate of every optimiser")
    public static let generatorLearningRate = FamilyOption("lr-g", "RATE", "learning rate of the generator(s) (two time-scale update rule)")
    public static let discriminatorLearningRate = FamilyOption("lr-d", "RATE", "learning rate of the discriminator(s)")
    public static let latentDimension = FamilyOption("latent-dim", "N", "the size of z")
    public static let spectralNormIterations = FamilyOption("sn-iterations", "K", "power-iteration steps per training forward of each spectrally normalised layer (default 1, as PyTorch's spectral_norm)")
    public static let ema = FamilyOption("ema", "DECAY", "keep an exponential moving average of G's weights with this decay (e.g. 0.999); samples use it")

    /// The learning-rate options.
    public static let learningRates = [learningRate, generatorLearningRate, discriminatorLearningRate]
}

/// The family options given on a command line, parsed and checked against the family's
/// declarations.
///
/// ```swift
/// let options = try FamilyOptionValues(arguments: ["--clip", "0.02"], family: WGANFamily.self)
/// let clip = try options.float("clip", "a positive bound") { $0 > 0 }    // 0.02
/// ```
public struct FamilyOptionValues: Equatable, Sendable {
    /// The family's name, for messages.
    public let family: String
    /// Values by option name (`""` for a flag), in the order given.
    public private(set) var given: [(name: String, value: String)] = []

    public static func == (a: FamilyOptionValues, b: FamilyOptionValues) -> Bool {
        a.family == b.family && a.given.map(\.name) == b.given.map(\.name) && a.given.map(\.value) == b.given.map(\.value)
    }

    /// No options.
    public init(family: String) { self.family = family }

    /// Parses `--name value`, `--name=value` and `--flag` against `family.options`.
    /// - Throws: `ModelError.invalidOption` for an option the family does not take (naming
    ///   those that do), a missing value, a repeated option or a stray argument.
    public init(arguments: [String], family: any Family.Type) throws {
        self.family = family.name
        var i = 0
        while i < arguments.count {
            let token = arguments[i]
            guard token.hasPrefix("--"), token.count > 2 else {
                throw ModelError.invalidOption("unexpected argument '\(token)' (gan train takes one family; options start with --)")
            }
            var name = String(token.dropFirst(2)), value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let option = family.options.first(where: { $0.name == name }) else {
                let takers = Families.taking(option: name)
                throw ModelError.invalidOption(takers.isEmpty
                    ? "unknown option --\(name) (see `gan train --help` and `gan list`)"
                    : "--\(name) does not apply to family '\(family.name)'; it is an option of \(takers.joined(separator: ", "))")
            }
            if option.valueName == nil {
                guard value == nil else { throw ModelError.invalidOption("--\(name) is a flag and takes no value") }
                value = ""
            } else if value == nil {
                guard i + 1 < arguments.count, !arguments[i + 1].hasPrefix("--") || Double(arguments[i + 1]) != nil else {
                    throw ModelError.invalidOption("--\(name) needs a value (\(option.usage))")
                }
                i += 1
                value = arguments[i]
            }
            guard !given.contains(where: { $0.name == name }) else {
                throw ModelError.invalidOption("--\(name) is given twice")
            }
            given.append((name, value!))
            i += 1
        }
    }

    /// Whether no option was given.
    public var isEmpty: Bool { given.isEmpty }

    /// The raw value of `--name`, if given.
    public func string(_ name: String) -> String? { given.first { $0.name == name }?.value }

    /// Whether the flag `--name` was given.
    public func flag(_ name: String) -> Bool { string(name) != nil }

    /// `--name` as a number, checked by `isValid`; `expected` says what is valid.
    public func float(_ name: String, _ expected: String, _ isValid: (Float) -> Bool = { _ in true }) throws -> Float? {
        guard let text = string(name) else { return nil }
        guard let value = Float(text), value.isFinite, isValid(value) else {
            throw ModelError.invalidOption("--\(name) must be \(expected), got '\(text)'")
        }
        return value
    }

    /// `--name` as an integer, checked by `isValid`.
    public func int(_ name: String, _ expected: String, _ isValid: (Int) -> Bool = { _ in true }) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), isValid(value) else {
            throw ModelError.invalidOption("--\(name) must be \(expected), got '\(text)'")
        }
        return value
    }

    /// `--name` as one of an enumeration's raw values.
    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = string(name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw ModelError.invalidOption("unknown --\(name) '\(text)': expected one of "
                + T.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return value
    }

    /// Applies `--lr` to every optimiser, then `--lr-g` to the generators' and `--lr-d` to the
    /// discriminators'.
    public func applyLearningRates(generators: inout [OptimizerSettings], discriminators: inout [OptimizerSettings]) throws {
        let positive = "a positive number"
        if let lr = try float("lr", positive, { $0 > 0 }) {
            for i in generators.indices { generators[i].learningRate = lr }
            for i in discriminators.indices { discriminators[i].learningRate = lr }
        }
        if let lr = try float("lr-g", positive, { $0 > 0 }) { for i in generators.indices { generators[i].learningRate = lr } }
        if let lr = try float("lr-d", positive, { $0 > 0 }) { for i in discriminators.indices { discriminators[i].learningRate = lr } }
    }

    /// The same for a family with one generator and one discriminator optimiser.
    public func applyLearningRates(generator: inout OptimizerSettings, discriminator: inout OptimizerSettings) throws {
        var (g, d) = ([generator], [discriminator])
        try applyLearningRates(generators: &g, discriminators: &d)
        (generator, discriminator) = (g[0], d[0])
    }

    /// `--ema`: a decay in (0, 1).
    public func spectralNormIterations() throws -> Int? { try int("sn-iterations", "an integer ≥ 1", { $0 >= 1 }) }
    public func emaDecay() throws -> Float? { try float("ema", "in (0, 1)") { $0 > 0 && $0 < 1 } }

    /// `--latent-dim`: a positive size.
    public func latentDimension() throws -> Int? { try int("latent-dim", "a positive integer") { $0 > 0 } }

    /// `--n-critic`: at least 1.
    public func criticSteps() throws -> Int? { try int("n-critic", "at least 1") { $0 >= 1 } }
}

/// Why a model, a run or a checkpoint cannot be used. Each message names what was wrong and
/// what was expected.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case unknownFamily(String, known: [String])
    case unknownPreset(String, family: String, known: [String])
    case invalidOption(String)
    case dataMismatch(String)
    case run(String)
    case checkpoint(String)
    case nonFinite(String)

    public var description: String {
        switch self {
        case let .unknownFamily(name, known):
            return "unknown family '\(name)': expected one of \(known.joined(separator: ", ")) (see `gan list`)"
        case let .unknownPreset(name, family, known):
            return "unknown preset '\(name)' for family '\(family)': expected one of \(known.joined(separator: ", ")) (see `gan list`)"
        case let .invalidOption(message), let .dataMismatch(message), let .run(message),
             let .checkpoint(message), let .nonFinite(message):
            return message
        }
    }
}

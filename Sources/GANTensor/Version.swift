/// The package version, shown by `gan --version` and `gan info`.
public enum GANTensorVersion {
    public static let string = "0.1.0"
}

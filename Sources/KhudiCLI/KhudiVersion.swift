/// The version every executable reports with `--version` and writes into manifests.
public enum KhudiVersion {
    public static let string = "0.1.0-dev"
}

import Foundation

/// How auxsweep writes JSON everywhere (the report, stored rounds, the dashboard's API): keys in snake
/// case and sorted (equal values give equal text), dates in ISO 8601, non-finite numbers as the strings
/// "inf", "-inf" and "nan" (encoding never fails on a number).
public enum JSONOutput {
    /// An encoder so configured; `pretty` adds indentation.
    public static func encoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }
}

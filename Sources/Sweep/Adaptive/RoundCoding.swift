import Foundation

/// The JSON in which stores keep a round's weights and decision: keys in snake case and sorted (equal
/// values give equal text), dates in ISO 8601, non-finite numbers as strings (a decision never fails
/// to encode: every worker would stop on the same round).
enum RoundCoding {
    static func json<T: Encodable>(_ value: T) -> String {
        guard let data = try? JSONOutput.encoder(pretty: false).encode(value) else { preconditionFailure("round values always encode") }
        return String(decoding: data, as: UTF8.self)
    }

    /// A value back from the JSON text a store keeps.
    static func decode<T: Decodable>(_ type: T.Type, json text: String, location: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError.corruptRound(location: location, problem: "\(error)")
        }
    }

    /// A plan as a store keeps it, checked (a row edited by hand is an error, not a crash).
    static func plan(initial: Int, step: Int, max: Int, untilWeights: Int?, alpha: Double, location: String) throws -> AdaptiveSeeds {
        guard initial >= 2, step >= 1, max >= initial, alpha > 0, alpha < 1, (untilWeights ?? 1) >= 1 else {
            throw StoreError.corruptRound(location: location, problem: "adaptive_plans: initial \(initial), step \(step), max \(max), "
                                          + "alpha \(alpha) is not a plan (edited by hand?)")
        }
        return AdaptiveSeeds(initial: initial, step: step, max: max, untilWeights: untilWeights, alpha: alpha)
    }
}

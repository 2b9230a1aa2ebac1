import Foundation

/// A value that encodes as JSON `null` when absent (synthesized `Encodable` leaves an absent optional
/// out) and when it is a floating-point value that is not finite.
struct OrNull<Value: Encodable>: Encodable {
    let value: Value?

    init(_ value: Value?) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value, (value as? Double)?.isFinite ?? true {
            try container.encode(value)
        } else {
            try container.encodeNil()
        }
    }
}

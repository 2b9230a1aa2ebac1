import Foundation
import NN
@testable import Sweep
import TestSupport
import Testing

/// The statistics against SciPy (tools/reference/make_stats_fixtures.py -> Fixtures/stats.json).
@Suite("Statistics against SciPy")
struct StatisticsTests {
    struct Fixture: Decodable {
        struct Quantile: Decodable { let df: Double; let t: Double }
        struct CDF: Decodable { let t: Double; let df: Double; let p: Double }
        struct Mean: Decodable { let x: [Double]; let mean: Double; let std: Double; let ci95: [Double] }
        struct Paired: Decodable {
            let a: [Double], b: [Double], n: Int, mean: Double, ci95: [Double]
            let p_t: Double, p_permutation: Double
        }
        struct SignFlipInteger: Decodable { let d: [Double]; let n: Int; let p_permutation: Double }
        let t_quantile_975: [Quantile]
        let t_cdf: [CDF]
        let means: [Mean]
        let paired: [Paired]
        let sign_flip_integer: [SignFlipInteger]
    }

    static let fixture = TestSupport.Fixture.json(Fixture.self, "stats.json", target: "SweepTests")

    static func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-7) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance * max(1, abs(b))
    }

    @Test("Student-t quantiles and CDF")
    func studentT() {
        for q in Self.fixture.t_quantile_975 {
            #expect(Self.close(StudentT.quantile(0.975, df: q.df), q.t), "df \(q.df)")
        }
        for c in Self.fixture.t_cdf {
            #expect(Self.close(StudentT.cdf(c.t, df: c.df), c.p), "t \(c.t) df \(c.df)")
        }
    }

    @Test("means, standard deviations and 95% t intervals")
    func means() throws {
        for m in Self.fixture.means {
            let s = try #require(SeedStatistics.summary(m.x))
            #expect(Self.close(s.mean, m.mean) && Self.close(s.std, m.std))
            #expect(Self.close(s.ci95?.low, m.ci95[0]) && Self.close(s.ci95?.high, m.ci95[1]))
        }
    }

    @Test("paired differences: interval, t-test and exact sign-flip permutation p-values")
    func paired() throws {
        for p in Self.fixture.paired {
            let a = Dictionary(uniqueKeysWithValues: p.a.enumerated().map { (Int64($0.offset), $0.element) })
            let b = Dictionary(uniqueKeysWithValues: p.b.enumerated().map { (Int64($0.offset), $0.element) })
            let d = try #require(SeedStatistics.paired(a, minus: b))
            #expect(d.n == p.n && Self.close(d.mean, p.mean))
            #expect(Self.close(d.ci95?.low, p.ci95[0]) && Self.close(d.ci95?.high, p.ci95[1]))
            #expect(Self.close(d.pT, p.p_t, 1e-6), "n \(p.n): p \(d.pT ?? -1) vs \(p.p_t)")
            #expect(Self.close(d.pPermutation, p.p_permutation, 1e-9), "n \(p.n)")
        }
    }

    @Test("exact sign-flip p-values up to 40 pairs: integer differences against the exact distribution")
    func signFlipBeyondEnumeration() {
        for c in Self.fixture.sign_flip_integer {
            #expect(c.d.count == c.n)
            #expect(Self.close(SeedStatistics.signFlipP(c.d), c.p_permutation, 1e-12), "n \(c.n)")
        }
        #expect(SeedStatistics.signFlipP([Double](repeating: 0.01, count: SeedStatistics.signFlipMaxPairs + 1)) == nil)
        #expect(SeedStatistics.signFlipP([]) == nil)
    }

    /// Meet in the middle against every pattern summed in turn, on integer differences (exact sums,
    /// so ties are ties in any order): odd and even n, zeros, all equal, a zero sum.
    @Test("the meet-in-the-middle sign-flip count matches the naive enumeration")
    func signFlipAgainstEnumeration() {
        var generator = SeededGenerator(seed: 14)
        var cases: [[Double]] = [[3], [0], [0, 0, 0], [2, -2], [1, 1, 1, 1, 1, 1, 1], [5, -3, -2, 0, 4, -4]]
        for n in 1...16 {
            cases.append((0..<n).map { _ in Double(Int(generator.next() % 9) - 3) })
        }
        for d in cases {
            #expect(SeedStatistics.signFlipP(d) == SeedStatistics.signFlipPByEnumeration(d), "\(d)")
        }
        #expect(SeedStatistics.signFlipP([0, 0, 0]) == 1)
        #expect(SeedStatistics.signFlipP([1, 1, 1, 1, 1, 1, 1]) == 2.0 / 128)
    }

    @Test("P(best) is a reproducible distribution that favours the clearly better weight")
    func probabilityBest() {
        let seeds: [Int64] = [0, 1, 2, 3, 4]
        let low = Dictionary(uniqueKeysWithValues: seeds.map { ($0, 0.50 + 0.01 * Double($0)) })
        let high = Dictionary(uniqueKeysWithValues: seeds.map { ($0, 0.60 + 0.01 * Double($0)) })
        let p = SeedStatistics.probabilityBest([low, high])
        #expect(p == [0, 1])
        let mixed = Dictionary(uniqueKeysWithValues: seeds.map { ($0, $0 % 2 == 0 ? 0.70 : 0.40) })
        let q = SeedStatistics.probabilityBest([low, mixed])
        #expect(abs(q.reduce(0, +) - 1) < 1e-12 && q[0] > 0.05 && q[1] > 0.05)
        #expect(q == SeedStatistics.probabilityBest([low, mixed]))
    }
}

import Alerts
// Steps 6–8: edges per pair with their reasons, evidence, and the result.
import Foundation

extension Analysis {
    /// What the steps before leave on one unordered pair (p: a earlier = cause, b later; q the reverse).
    struct PairFigures {
        var p: Int; var q: Int; var a: Int; var b: Int
        var mAB: Double; var mBA: Double; var m: Double; var mRaw: Double
        var support: Int; var timeSig: Bool
        var aAB: Double; var aBA: Double; var strength: Double; var conf: Double; var sameTeam: Bool
    }

    func figures(_ p: Int) -> PairFigures {
        let q = Int(reverse[p])
        let a = Int(pairCause[p]), b = Int(pairEffect[p])
        // Per place, only what was attributed at near places (same, linked, unknown) counts:
        // far candidates are picked by time among many unrelated places, and the mass they
        // draw in a busy estate is not evidence. (pairCount holds near co-firing only.)
        func attributed(_ x: Int) -> Double { perPlace && marks ? max(0, mass[x] - massRel[x * 3 + 2]) : mass[x] }
        let mAB = attributed(p), mBA = q >= 0 ? attributed(q) : 0
        let m = mAB + mBA
        let support = pairCount[p] + (q >= 0 ? pairCount[q] : 0)
        let timeSig = !timeSignificant.isEmpty && timeSignificant[p]
        let mRaw = rawMass[p] + (q >= 0 ? rawMass[q] : 0)
        let aAB = perPlace ? min(1, mAB / max(1, nodeOpportunities[a])) : alpha[p]
        let aBA = perPlace ? (q >= 0 ? min(1, mBA / max(1, nodeOpportunities[b])) : 0) : (q >= 0 ? alpha[q] : 0)
        let strength = min(1, max(aAB, aBA, m / max(1, nodeOpportunities[a], nodeOpportunities[b])))
        var conf = strength * m / (m + 2)
        let sameTeam = teamKey[a] != nil && teamKey[a] == teamKey[b]
        if sameTeam && conf < 1 {
            let odds = conf / (1 - conf) * s.teamPriorOdds
            conf = odds / (1 + odds)
        }
        return PairFigures(
            p: p, q: q, a: a, b: b, mAB: mAB, mBA: mBA, m: m, mRaw: mRaw, support: support, timeSig: timeSig,
            aAB: aAB, aBA: aBA, strength: strength, conf: conf, sameTeam: sameTeam)
    }

    /// Whether a pair with enough support passes the evidence gates (attributed alerts, confidence
    /// or significance; per place: significant near co-firing and propagation).
    func passesGates(_ f: PairFigures) -> Bool {
        let a = f.a, b = f.b, p = f.p, q = f.q
        if f.m < s.minAttributed && !(f.timeSig && f.mRaw >= s.minAttributed) { return false }
        if perPlace {
            // Per place: significant near co-firing, and a propagation that survives explaining away.
            let sig = significant[p] || (q >= 0 && significant[q])
            return sig && f.strength >= s.minPropagation
        }
        if f.conf < s.minConfidence && !(f.support >= s.supportedMinSupport && f.conf >= s.supportedMinConfidence) {
            return f.timeSig && f.mRaw / max(1, min(nodeSocial[a], nodeSocial[b])) >= s.timeMinPropagation
        }
        return true
    }

    /// 6. Decide edges per unordered pair.
    mutating func decideEdges() {
        teamOf = [String?](repeating: nil, count: nodeCount)
        for n in 0..<nodeCount { teamOf[n] = InferenceEngine.majorityTeam(nodeTeams[n]) }
        teamKey = teamOf.map { $0?.lowercased() }
        let storeKind = (0..<nodeCount).map { storeKindOf($0) }
        let entry = (0..<nodeCount).map { entryTier($0) }
        pending = []
        edgeOfPair = [Int32](repeating: -1, count: pairCountTotal)
        for p in 0..<pairCountTotal {
            let q = Int(reverse[p])
            if q >= 0 && q < p { continue }
            let a = Int(pairCause[p]), b = Int(pairEffect[p])  // p: a earlier (cause), b later
            if a == b { continue }  // a kind of alert spreading between places
            let f = figures(p)
            if let debug = InferenceEngine.debugPair, f.support >= 2 {
                let aFirst0 = pairOrdered[p], bFirst0 = q >= 0 ? pairOrdered[q] : 0
                let aAB0 = perPlace ? 0 : alpha[p], aBA0 = perPlace ? 0 : (q >= 0 ? alpha[q] : 0)
                debug(
                    nodeIDs[a], nodeIDs[b],
                    [
                        Double(f.support), f.m, f.mRaw, max(aAB0, aBA0), timeP.isEmpty ? 1 : timeP[p], f.timeSig ? 1 : 0,
                        nodeEvents[a], nodeEvents[b], nodeSocial[a], nodeSocial[b], Double(clusterCount),
                        f.sameTeam ? 1 : 0,
                        span, Double(aFirst0), Double(bFirst0), pairLagSum[p], q >= 0 ? pairLagSum[q] : 0,
                    ])
            }
            if f.support < s.minSupport { continue }
            guard passesGates(f) else { continue }
            propose(f, storeKind: storeKind, entry: entry)
        }
    }

    /// The edge of one pair that passed: direction (coverage, order, kind of node), reasons.
    mutating func propose(_ f: PairFigures, storeKind: [String?], entry: [Int?]) {
        let p = f.p, q = f.q, a = f.a, b = f.b
        let mAB = f.mAB, m = f.m, support = f.support, aAB = f.aAB, aBA = f.aBA, conf = f.conf, sameTeam = f.sameTeam
        let fracAB = m > 0 ? mAB / m : 0.5
        let lagSumAB = pairLagSum[p], lagSumBA = q >= 0 ? pairLagSum[q] : 0
        let signedBminusA = (lagSumAB - lagSumBA) / Double(support)
        let aFirst = pairOrdered[p], bFirst = q >= 0 ? pairOrdered[q] : 0
        let together = support - aFirst - bFirst
        var source: Int, target: Int, directed: Bool, lag: Double
        // Coverage: in how many of each end's social incidents the other alerted too.
        let covA = Double(support) / max(1, nodeSocial[a]), covB = Double(support) / max(1, nodeSocial[b])
        // Coverage decides when it is clear and the order (as a log-ratio of who alerted first,
        // with one pseudo-count each) does not outweigh it; otherwise the order rules below.
        let covLog = log(covA / covB), orderLog = log(Double(aFirst + 1) / Double(bFirst + 1))
        let byCoverage = !perPlace && s.coverageDirection > 0 && abs(covLog) >= log(s.coverageDirection) && (covLog + orderLog) * covLog > 0
        if byCoverage && covLog > 0 {
            source = b; target = a; directed = true; lag = max(0, signedBminusA)
        } else if byCoverage && covLog < 0 {
            source = a; target = b; directed = true; lag = max(0, -signedBminusA)
        } else if fracAB >= s.directionThreshold && signedBminusA > s.simultaneity {
            source = b; target = a; directed = true; lag = signedBminusA
        } else if fracAB <= 1 - s.directionThreshold && -signedBminusA > s.simultaneity {
            source = a; target = b; directed = true; lag = -signedBminusA
        } else if m < s.minAttributed && aFirst >= 3 * max(1, bFirst) && signedBminusA > s.simultaneity {
            // Little attributed (a hub's callers share one cause): the order decides.
            source = b; target = a; directed = true; lag = signedBminusA
        } else if m < s.minAttributed && bFirst >= 3 * max(1, aFirst) && -signedBminusA > s.simultaneity {
            source = a; target = b; directed = true; lag = -signedBminusA
        } else {
            directed = false
            (source, target) = nodeIDs[a] <= nodeIDs[b] ? (a, b) : (b, a)
            lag = (lagSumAB + lagSumBA) / Double(support)
        }
        // A datastore or broker next to a service is the service's dependency, whatever the order.
        var byKind: String? = nil
        if s.storesAreDependencies,
            let store = storeKind[a] != nil && storeKind[b] == nil ? a : storeKind[b] != nil && storeKind[a] == nil ? b : nil
        {
            let other = store == a ? b : a
            if !(directed && target == store) {
                byKind = "\(nodeIDs[store]) is a \(storeKind[store]!): it calls no service, \(nodeIDs[other]) calls it"
                let signed = store == a ? signedBminusA : -signedBminusA  // how much later the service alerted
                source = other; target = store; directed = true; lag = max(0, signed)
            }
        }
        if byKind == nil, s.entryPointsAreCallers, storeKind[a] == nil, storeKind[b] == nil, let front = Self.inFront(a, entry[a], b, entry[b]) {
            let other = front == a ? b : a
            if !(directed && source == front) {
                byKind =
                    entry[other] == nil
                    ? "\(nodeIDs[front]) is an entry point: it calls \(nodeIDs[other]), not the other way"
                    : "\(nodeIDs[front]) stands in front of \(nodeIDs[other]) (edge proxy, then front end, then API gateway or BFF): it calls it"
                let signed = other == a ? signedBminusA : -signedBminusA  // how much later the entry point alerted
                source = front; target = other; directed = true; lag = max(0, signed)
            }
        }
        let tgtEarlierFirst = target == a ? aFirst : bFirst
        let srcFirst = target == a ? bFirst : aFirst
        let lift = Double(support) * Double(clusterCount) / max(1, nodeEvents[a] * nodeEvents[b])
        let sID = nodeIDs[source], tID = nodeIDs[target]
        var reasons: [String] = []
        if perPlace {
            // Per place one incident of the target can meet several of the source nearby.
            reasons.append(
                "co-alerted at the same or linked places \(support) times (\(Int(nodeEvents[target])) incidents of \(tID), lift \(InferenceEngine.fmt(lift, 1)))"
            )
        } else {
            reasons.append("co-alerted in \(support) of \(Int(nodeEvents[target])) incidents of \(tID) (lift \(InferenceEngine.fmt(lift, 1)))")
        }
        let prop = target == a ? aAB : aBA
        if let byKind { reasons.append(byKind) }
        if directed {
            let tSocial = Int(nodeSocial[target]), sSocial = Int(nodeSocial[source])
            if byCoverage {
                reasons.append(
                    "\(sID) alerted in \(min(support, tSocial)) of \(tSocial) incidents of \(tID), \(tID) in \(min(support, sSocial)) of \(sSocial) of \(sID)'s: \(tID)'s failures reach \(sID)"
                )
            }
            reasons.append("\(tID) alerted first in \(tgtEarlierFirst)/\(support) (mean lag \(Int(lag.rounded())) s)")
            reasons.append("after explaining away other causes, \(Int((prop * 100).rounded()))% of \(tID) incidents reached \(sID)")
        } else {
            reasons.append(
                "no consistent order: \(tID) first in \(tgtEarlierFirst), \(sID) first in \(srcFirst), together (≤\(Int(s.simultaneity)) s) in \(together) (mean |lag| \(Int(lag.rounded())) s)"
            )
            reasons.append("after explaining away other causes, \(InferenceEngine.fmt(m, 1)) alerts attributed to this pair")
        }
        if sameTeam, let t = teamOf[a] {
            reasons.append("same team: \(t)")
        } else if let ta = teamOf[a], let tb = teamOf[b] {
            reasons.append("different teams: \(nodeIDs[a]) \(ta), \(nodeIDs[b]) \(tb)")
        }
        let ev = InferredEvidence(
            confidence: min(1, max(0, conf)), support: support, directed: directed,
            meanLagSeconds: max(0, lag), evidence: [], reasons: reasons)
        let idx = Int32(pending.count)
        pending.append(Pending(source: Int32(source), target: Int32(target), evidence: ev))
        edgeOfPair[p] = idx
        if q >= 0 { edgeOfPair[q] = idx }
    }

    /// "database" or "message broker" when the node is one (its alerts' majority kind, or a store
    /// technology word in its name and no word of an application around a store), else nil.
    func storeKindOf(_ n: Int) -> String? {
        switch majorityKind(n) {
        case .database: return "database"
        case .queue: return "message broker"
        case .service, .k8sWorkload, .awsResource:
            let words = NameShape.split(nodeIDs[n])
            if words.contains(where: { Self.storeClientWords.contains($0) }) { return nil }
            let category = words.compactMap { NameShape.storeWords[$0]?.category }.max() ?? 0
            return category == 1 ? "database" : category == 2 ? "message broker" : nil
        default: return nil
        }
    }

    /// A front door, and how far in front: 0 an edge proxy (ingress, nginx, envoy, edge router, a
    /// front end's proxy), 1 a front end (frontend, UI, web app, storefront, portal), 2 an API
    /// gateway or BFF; nil for anything else (`payment-gateway` is a gateway to something else: a dependency).
    func entryTier(_ n: Int) -> Int? {
        let words = NameShape.split(nodeIDs[n].split(separator: "/").last.map(String.init) ?? nodeIDs[n])
        let bigrams = Set(zip(words, words.dropFirst()).map { "\($0)-\($1)" })
        let frontWord = words.contains { Self.frontEndWords.contains($0) } || bigrams.contains("front-end")
        if words.contains(where: { Self.edgeWords.contains($0) }) || bigrams.contains("edge-router") || (frontWord && words.contains("proxy")) {
            return 0
        }
        if words.contains(where: { Self.gatewayWords.contains($0) }) || bigrams.contains("api-gateway") || words == ["gateway"] { return 2 }
        if frontWord || words == ["web"] { return 1 }
        return nil
    }

    /// Of two nodes, the one in front (it calls the other), by entry tier; nil when neither or both alike.
    static func inFront(_ a: Int, _ ta: Int?, _ b: Int, _ tb: Int?) -> Int? {
        switch (ta, tb) {
        case (.some, nil): return a
        case (nil, .some): return b
        case (.some(let x), .some(let y)) where x != y: return x < y ? a : b
        default: return nil
        }
    }

    static let edgeWords: Set<String> = ["nginx", "ingress", "ingressgateway", "envoy", "haproxy", "traefik"]
    static let frontEndWords: Set<String> = ["frontend", "ui", "webui", "storefront", "webapp", "website", "portal"]
    static let gatewayWords: Set<String> = ["bff", "apigw"]

    /// Words of an application built around a store (`kafka-consumer`, `redis-proxy`, `orders-db-api`).
    static let storeClientWords: Set<String> = [
        "consumer", "producer", "proxy", "worker", "client", "connector", "bridge", "adapter", "gateway", "api", "server",
        "app", "backend", "web", "ui", "frontend", "writer", "reader", "sync", "loader", "indexer", "publisher", "subscriber",
        "handler", "processor", "manager", "controller", "operator",
    ]

    /// 7. Evidence: alert ids of both ends, most recent co-alerting clusters first; where the
    /// two ends fired (same place, linked places) when alerts say.
    mutating func gatherEvidence() {
        let cap = s.evidenceCap
        if !pending.isEmpty {
            var near = [PlaceCounts](repeating: PlaceCounts(), count: marks ? pending.count : 0)
            var i = evCount - 1
            while i >= 0 {
                let lo = slotStart[i]
                for r in 0..<Int(backCount[i]) {
                    let p = Int(slots[lo + r]); let j = Int(slotFrom[lo + r])
                    let e = Int(edgeOfPair[p])
                    guard e >= 0 else { continue }
                    if cap > 0 && pending[e].evidence.evidence.count < cap {
                        pending[e].evidence.evidence.append(alerts[Int(evAlert[j])].id)
                        if pending[e].evidence.evidence.count < cap {
                            pending[e].evidence.evidence.append(alerts[Int(evAlert[i])].id)
                        }
                    }
                    if marks { near[e].add(PlaceRelation(rawValue: slotRel[lo + r]) ?? .unknown, evPlace[j], evPlace[i]) }
                }
                i -= 1
            }
            for e in 0..<near.count {
                // Second, after the co-alerting count: where is what a reader asks next.
                if let reason = near[e].reason(places) { pending[e].evidence.reasons.insert(reason, at: min(1, pending[e].evidence.reasons.count)) }
            }
        }
    }

    /// 8. Assemble, sorted for determinism.
    mutating func assemble() -> InferenceResult {
        let cap = s.evidenceCap
        var nodes: [InferredNode] = []
        nodes.reserveCapacity(nodeCount)
        for n in 0..<nodeCount {
            let ids = nodeAlerts[n].suffix(cap).reversed().map { alerts[Int($0)].id }
            let aliases = (aliasesByID[nodeIDs[n]] ?? []).sorted()
            var node = InferredNode(
                id: nodeIDs[n], kindHint: InferenceEngine.kindHint(majorityKind(n)), team: teamOf[n],
                aliases: Array(aliases.prefix(50)), alertCount: nodeAlertCount[n], alertIDs: ids)
            node.sameAs = (sameAs[nodeIDs[n]] ?? []).sorted { $0.name < $1.name }
            nodes.append(node)
        }
        nodes.sort { $0.id < $1.id }
        var edges = pending.map { InferredEdge(source: nodeIDs[Int($0.source)], target: nodeIDs[Int($0.target)], evidence: $0.evidence) }
        edges.sort { $0.source != $1.source ? $0.source < $1.source : $0.target < $1.target }
        stats.edges = edges.count
        return InferenceResult(graph: InferredGraph(nodes: nodes, edges: edges), stats: stats)
    }
}

import Foundation
import StetCRDT

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

let args = CommandLine.arguments
var tracesDir = "../shared/traces"
if let i = args.firstIndex(of: "--traces"), i + 1 < args.count { tracesDir = args[i + 1] }
var only: String? = nil
if let i = args.firstIndex(of: "--only"), i + 1 < args.count { only = args[i + 1] }
var runs = 5
if let i = args.firstIndex(of: "--runs"), i + 1 < args.count { runs = Int(args[i + 1]) ?? 5 }

var dir = URL(fileURLWithPath: tracesDir).appendingPathComponent("sequential")
var files: [String]
if let i = args.firstIndex(of: "--trace-file"), i + 1 < args.count {
    let u = URL(fileURLWithPath: args[i + 1])
    dir = u.deletingLastPathComponent(); files = [u.lastPathComponent]
} else {
    files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json.gz") }.sorted()
}
for f in files {
    if let o = only, !f.hasPrefix(o) { continue }
    let trace = try Trace.load(dir.appendingPathComponent(f))
    var times: [Double] = []
    var doc = Doc(clientID: 1)
    for _ in 0..<runs {
        doc = Doc(clientID: 1)
        let text = doc.getText()
        let t0 = now()
        if !trace.startContent.isEmpty { text.insert(trace.startContent, at: 0) }
        for (pos, del, ins) in trace.patches {
            if del > 0 { text.delete(at: pos, count: del) }
            if !ins.isEmpty { text.insert(ins, at: pos) }
        }
        times.append(Double(now() - t0) / 1e6)
    }
    let ok = Array(doc.getText().string.unicodeScalars) == Array(trace.endContent.unicodeScalars)
    let v1 = doc.encodeStateAsUpdate()
    var loads: [Double] = []
    for _ in 0..<runs {
        let t0 = now()
        let d = Doc(clientID: 2)
        try d.applyUpdate(v1)
        loads.append(Double(now() - t0) / 1e6)
        precondition(d.getText().length == doc.getText().length)
    }
    times.sort(); loads.sort()
    print("\(trace.name): ops \(trace.patches.count) replay min \(String(format: "%.2f", times[0])) ms median \(String(format: "%.2f", times[times.count / 2])) ms, v1 \(v1.count) B, load min \(String(format: "%.2f", loads[0])) ms, final \(ok ? "ok" : "WRONG")")
}

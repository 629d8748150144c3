// The text forms of a log line: logfmt (key=value, values quoted when they need it) and one JSON object per line.
import Foundation
import TracehoundCore

enum LogLine {
    static func timestamp(_ date: Date) -> String { Timestamp.rfc3339(date) }

    /// `time=… level=info msg="…" key=value …`
    static func logfmt(level: LogLevel, message: String, fields: [(String, String)], date: Date) -> String {
        var line = "time=\(timestamp(date)) level=\(level.name) msg=\(logfmtValue(message))"
        for (key, value) in fields {
            line += " \(key)=\(logfmtValue(value))"
        }
        return line + "\n"
    }

    /// A value bare when it is one plain word, otherwise quoted with `"`, `\` and control characters escaped.
    static func logfmtValue(_ value: String) -> String {
        let plain =
            !value.isEmpty
            && value.unicodeScalars.allSatisfy { scalar in
                scalar.value > 0x20 && scalar != "\"" && scalar != "=" && scalar != "\\" && scalar.value != 0x7F
            }
        if plain { return value }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            case "\r": quoted += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    quoted += String(format: "\\u%04x", scalar.value)
                } else {
                    quoted.unicodeScalars.append(scalar)
                }
            }
        }
        return quoted + "\""
    }

    /// `{"time":"…","level":"info","msg":"…","key":"value"}`
    static func json(level: LogLevel, message: String, fields: [(String, String)], date: Date) -> String {
        var line = "{\"time\":\"\(timestamp(date))\",\"level\":\"\(level.name)\",\"msg\":\(JSONQuoting.quoted(message))"
        for (key, value) in fields {
            line += ",\(JSONQuoting.quoted(key)):\(JSONQuoting.quoted(value))"
        }
        return line + "}\n"
    }

    /// A journal field name: upper case letters, digits and `_`, not starting with `_` or a digit.
    static func journalFieldName(_ key: String) -> String {
        var name = ""
        for scalar in key.uppercased().unicodeScalars {
            let isAllowed = (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
            name.unicodeScalars.append(isAllowed ? scalar : "_")
        }
        while name.hasPrefix("_") { name.removeFirst() }
        if name.isEmpty || name.first!.isNumber { name = "F" + name }
        return String(name.prefix(64))
    }
}

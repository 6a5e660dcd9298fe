// The local audit log: one JSON line per mutating action (time, context, user, action, object,
// change, result), appended to a file in the user's data folder. Never holds secret values.
#pragma once

#include <QDateTime>
#include <QMutex>
#include <QString>

namespace pilothouse::backends::actions {

struct AuditEntry {
    QDateTime time;       // UTC
    QString context;
    QString user;
    QString action;       // "scale", "restart", "delete", "reveal-secret", ...
    QString object;       // "deployments.apps demo/web"
    QString change;       // "replicas 2 → 3"
    QString result;       // "succeeded", "refused", "conflict", "failed", "unknown", "forbidden"
    QString detail;       // the server's message or the transport error
};

class AuditLog {
public:
    explicit AuditLog(QString path);
    QString path() const { return m_path; }
    // Appends one line; false (with the reason in *error) when the file cannot be written.
    bool append(const AuditEntry &entry, QString *error = nullptr);
    static QString defaultPath();  // <AppDataLocation>/audit.jsonl

private:
    QString m_path;
    QMutex m_mutex;
};

}  // namespace pilothouse::backends::actions

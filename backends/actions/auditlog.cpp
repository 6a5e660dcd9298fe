// Appending audit lines (JSON Lines) safely from any thread.
#include "actions/auditlog.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>

namespace pilothouse::backends::actions {

AuditLog::AuditLog(QString path) : m_path(std::move(path)) {}

QString AuditLog::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/audit.jsonl");
}

bool AuditLog::append(const AuditEntry &e, QString *error)
{
    QJsonObject o{{QStringLiteral("time"), e.time.toUTC().toString(Qt::ISODateWithMs)},
                  {QStringLiteral("context"), e.context},
                  {QStringLiteral("user"), e.user},
                  {QStringLiteral("action"), e.action},
                  {QStringLiteral("object"), e.object},
                  {QStringLiteral("change"), e.change},
                  {QStringLiteral("result"), e.result}};
    if (!e.detail.isEmpty())
        o.insert(QStringLiteral("detail"), e.detail);
    QByteArray line = QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
    QMutexLocker lock(&m_mutex);
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QFile f(m_path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Append)) {
        if (error)
            *error = QStringLiteral("cannot write the audit log %1: %2").arg(m_path, f.errorString());
        return false;
    }
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    // One write call per line: concurrent appends from several windows do not interleave.
    if (f.write(line) != line.size()) {
        if (error)
            *error = QStringLiteral("cannot write the audit log %1: %2").arg(m_path, f.errorString());
        return false;
    }
    return true;
}

}  // namespace pilothouse::backends::actions

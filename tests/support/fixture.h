// A fixture file's bytes (tests/data/…); a missing fixture ends the run with its path.
#pragma once

#include <QByteArray>
#include <QFile>
#include <QString>

namespace pilothouse::testsupport {

inline QByteArray readFixture(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open fixture %s", qPrintable(path));
    return f.readAll();
}

}  // namespace pilothouse::testsupport

// The machine a benchmark ran on (CPUs, model, RAM, OS), for the header every benchmark prints.
#pragma once

#include <QFile>
#include <QString>
#include <QSysInfo>

#include <unistd.h>

namespace pilothouse::bench {

struct Machine {
    long cpus = 0;
    QString model;
    qint64 ramMb = 0;
    QString os;
};

inline Machine machine()
{
    Machine m;
    m.cpus = sysconf(_SC_NPROCESSORS_ONLN);
    QFile cpu(QStringLiteral("/proc/cpuinfo"));
    if (cpu.open(QIODevice::ReadOnly))
        for (const QByteArray &line : cpu.readAll().split('\n'))
            if (line.startsWith("model name")) {
                m.model = QString::fromUtf8(line.mid(line.indexOf(':') + 1).trimmed());
                break;
            }
    QFile mem(QStringLiteral("/proc/meminfo"));
    if (mem.open(QIODevice::ReadOnly))
        for (const QByteArray &line : mem.readAll().split('\n'))
            if (line.startsWith("MemTotal:")) {
                m.ramMb = line.mid(9).trimmed().split(' ').value(0).toLongLong() / 1024;
                break;
            }
    m.os = QSysInfo::prettyProductName() + QStringLiteral(", kernel ") + QSysInfo::kernelVersion();
    return m;
}

}  // namespace pilothouse::bench

// Reference-counted shared informers on the session worker.
#include "kube/cache/sharedinformerfactory.h"

namespace pilothouse::backends::kube {

QString WatchSpec::key() const
{
    return resource.group + QLatin1Char('/') + resource.version + QLatin1Char('/') + resource.plural + QLatin1Char('|')
        + (resource.namespaced ? ns : QString()) + QLatin1Char('|') + labelSelector + QLatin1Char('|')
        + (table ? QLatin1Char('T') : QLatin1Char('O')) + (summaryOnly ? QLatin1Char('S') : QLatin1Char('J'));
}

SharedInformerFactory::SharedInformerFactory(KubeClient *client, QObject *parent) : QObject(parent), m_client(client)
{
    qRegisterMetaType<WatchSpec>();
}

SharedInformerFactory::~SharedInformerFactory()
{
    for (Entry &e : m_entries) {
        e.informer->stop();
        delete e.informer;
    }
}

Informer *SharedInformerFactory::acquire(const WatchSpec &spec)
{
    const QString key = spec.key();
    auto it = m_entries.find(key);
    if (it != m_entries.end()) {
        ++it->refs;
        return it->informer;
    }
    auto *inf = new Informer(m_client, spec.resource, spec.resource.namespaced ? spec.ns : QString(), this);
    inf->setTableMode(spec.table);
    inf->setKeepJson(!spec.summaryOnly);
    inf->setLabelSelector(spec.labelSelector);
    if (m_backoffInitialMs >= 0)
        inf->setBackoff(m_backoffInitialMs, m_backoffMaxMs);
    if (m_batchMs >= 0)
        inf->setBatchInterval(m_batchMs);
    m_entries.insert(key, Entry{spec, inf, 1});
    inf->start();
    Q_EMIT informerStarted(spec);
    return inf;
}

void SharedInformerFactory::release(const WatchSpec &spec)
{
    auto it = m_entries.find(spec.key());
    if (it == m_entries.end() || --it->refs > 0)
        return;
    Informer *inf = it->informer;
    const WatchSpec stopped = it->spec;
    m_entries.erase(it);
    inf->stop();
    // Receivers may still be inside a signal of this informer.
    inf->deleteLater();
    Q_EMIT informerStopped(stopped);
}

int SharedInformerFactory::refCount(const WatchSpec &spec) const
{
    auto it = m_entries.constFind(spec.key());
    return it == m_entries.constEnd() ? 0 : it->refs;
}

QList<WatchSpec> SharedInformerFactory::active() const
{
    QList<WatchSpec> out;
    for (const Entry &e : m_entries)
        out << e.spec;
    return out;
}

}  // namespace pilothouse::backends::kube

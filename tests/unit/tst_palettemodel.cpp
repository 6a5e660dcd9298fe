// The palette's list: scopes, ranking, recency, the row cap and the roles a delegate reads.
#include "palettemodel.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using pilothouse::models::PaletteCommand;
using pilothouse::models::PaletteModel;
using Scope = PaletteModel::Scope;

class TestPaletteModel : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void emptyFilterListsPagesActionsCommandsKinds();
    void emptyFilterPutsRecentFirst();
    void fuzzyFilterRanksWordStarts();
    void subtitleMatches();
    void prefixes_data();
    void prefixes();
    void slashIsAPageFilter();
    void recencyBreaksTies();
    void recencyLiftsCloseMatchesOnly();
    void noteUsedMovesToFrontAndKeepsFifty();
    void setRecentDoesNotEmit();
    void roles();
    void capsShownRows();
    void setCommandsReappliesFilter();
    void tenThousandObjectsPerKeystroke();

private:
    QList<PaletteCommand> fixture();
    QStringList titles() const;

    PaletteModel *m_model = nullptr;
    QAbstractItemModelTester *m_tester = nullptr;
    QStringList m_ran;
};

QList<PaletteCommand> TestPaletteModel::fixture()
{
    QList<PaletteCommand> commands;
    auto add = [&](const QString &id, const QString &title, const QString &subtitle, const QString &category,
                   const QString &shortcut = {}, const QString &disabled = {}) {
        commands.append({id, title, subtitle, category, QStringLiteral("icon-") + id, shortcut, disabled,
                         [this, id] { m_ran.append(id); }});
    };
    const QString kinds = PaletteModel::categoryKinds;
    // Deliberately not in category order: the model orders them.
    add(QStringLiteral("kind:pods"), QStringLiteral("Pods"), QStringLiteral("core/v1"), kinds);
    add(QStringLiteral("kind:statefulsets.apps"), QStringLiteral("StatefulSets"), QStringLiteral("apps/v1"), kinds);
    add(QStringLiteral("kind:secrets"), QStringLiteral("Secrets"), QStringLiteral("core/v1"), kinds);
    add(QStringLiteral("kind:replicasets.apps"), QStringLiteral("ReplicaSets"), QStringLiteral("apps/v1"), kinds);
    add(QStringLiteral("page:resources"), QStringLiteral("Resources"), QStringLiteral("Page"), PaletteModel::categoryPages,
        QStringLiteral("Ctrl+1"));
    add(QStringLiteral("page:rollouts"), QStringLiteral("Rollouts"), QStringLiteral("Page"), PaletteModel::categoryPages,
        QStringLiteral("Ctrl+2"));
    add(QStringLiteral("object:pods/shop/web-1"), QStringLiteral("web-1"), QStringLiteral("shop · Pod"),
        PaletteModel::categoryObjects);
    add(QStringLiteral("object:pods/shop/frontend-7f9c"), QStringLiteral("frontend-7f9c"), QStringLiteral("shop · Pod"),
        PaletteModel::categoryObjects);
    add(QStringLiteral("command:reload"), QStringLiteral("Reload kubeconfig"), QString(), PaletteModel::categoryCommands,
        QStringLiteral("Ctrl+R"));
    add(QStringLiteral("action:promote:rollouts.argoproj.io/shop/storefront"), QStringLiteral("Promote storefront"),
        QStringLiteral("Rollout"), PaletteModel::categoryActions);
    add(QStringLiteral("action:restart:rollouts.argoproj.io/shop/storefront"), QStringLiteral("Restart storefront"),
        QStringLiteral("Rollout"), PaletteModel::categoryActions, QString(),
        QStringLiteral("Needs patch permission on rollouts in shop"));
    add(QStringLiteral("page:argocd"), QStringLiteral("Argo CD"), QStringLiteral("Page"), PaletteModel::categoryPages);
    return commands;
}

QStringList TestPaletteModel::titles() const
{
    QStringList result;
    for (int row = 0; row < m_model->rowCount(); ++row)
        result.append(m_model->index(row).data().toString());
    return result;
}

void TestPaletteModel::init()
{
    m_ran.clear();
    m_model = new PaletteModel;
    m_tester = new QAbstractItemModelTester(m_model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_model->setCommands(fixture());
}

void TestPaletteModel::cleanup()
{
    delete m_tester;
    delete m_model;
}

void TestPaletteModel::emptyFilterListsPagesActionsCommandsKinds()
{
    m_model->setFilter(QString());
    QCOMPARE(m_model->scope(), Scope::All);
    // Category order, then the shell's order; objects (thousands in a real cache) only when typed for.
    QCOMPARE(titles(), (QStringList{QStringLiteral("Resources"), QStringLiteral("Rollouts"), QStringLiteral("Argo CD"),
                                    QStringLiteral("Promote storefront"), QStringLiteral("Restart storefront"),
                                    QStringLiteral("Reload kubeconfig"), QStringLiteral("Pods"),
                                    QStringLiteral("StatefulSets"), QStringLiteral("Secrets"),
                                    QStringLiteral("ReplicaSets")}));
    QCOMPARE(m_model->index(0).data(PaletteModel::ScoreRole).toInt(), 0);
}

void TestPaletteModel::emptyFilterPutsRecentFirst()
{
    m_model->setRecent({QStringLiteral("kind:secrets"), QStringLiteral("gone:forever"),
                        QStringLiteral("object:pods/shop/web-1")});
    QCOMPARE(titles().mid(0, 4), (QStringList{QStringLiteral("Secrets"), QStringLiteral("web-1"),
                                              QStringLiteral("Resources"), QStringLiteral("Rollouts")}));
    QVERIFY(!titles().contains(QStringLiteral("frontend-7f9c")));
    // An id that is not offered now is kept for later.
    QVERIFY(m_model->recent().contains(QStringLiteral("gone:forever")));
}

void TestPaletteModel::fuzzyFilterRanksWordStarts()
{
    m_model->setFilter(QStringLiteral("sts"));
    QCOMPARE(m_model->index(0).data().toString(), QStringLiteral("StatefulSets"));
    QCOMPARE(m_model->index(0).data(PaletteModel::MatchPositionsRole).value<QList<int>>(), (QList<int>{0, 1, 8}));
    QVERIFY(titles().contains(QStringLiteral("Secrets")));
    QVERIFY(!titles().contains(QStringLiteral("Pods")));

    // A name that starts with it first; the two storefront actions tie, the runnable one first.
    m_model->setFilter(QStringLiteral("front"));
    QCOMPARE(titles(), (QStringList{QStringLiteral("frontend-7f9c"), QStringLiteral("Promote storefront"),
                                    QStringLiteral("Restart storefront")}));
    QCOMPARE(m_model->matchCount(), 3);

    m_model->setFilter(QStringLiteral("zzz"));
    QCOMPARE(m_model->rowCount(), 0);
    QCOMPARE(m_model->matchCount(), 0);
}

void TestPaletteModel::subtitleMatches()
{
    // "shop" is only in the subtitle; positions stay those of the title.
    m_model->setFilter(QStringLiteral("shop web"));
    QCOMPARE(titles(), QStringList{QStringLiteral("web-1")});
    QCOMPARE(m_model->index(0).data(PaletteModel::MatchPositionsRole).value<QList<int>>(), (QList<int>{0, 1, 2}));
}

void TestPaletteModel::prefixes_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<Scope>("scope");
    QTest::addColumn<QString>("query");
    QTest::addColumn<QStringList>("titles");
    QTest::newRow(":sts") << ":sts" << Scope::Kinds << "sts"
                          << QStringList{"StatefulSets", "Secrets", "ReplicaSets"};
    QTest::newRow(": all kinds") << ":" << Scope::Kinds << ""
                                 << QStringList{"Pods", "StatefulSets", "Secrets", "ReplicaSets"};
    QTest::newRow(": ro (no pages)") << ": ro" << Scope::Kinds << "ro" << QStringList{};
    QTest::newRow("> commands and actions") << ">" << Scope::Actions << ""
                                            << QStringList{"Promote storefront", "Restart storefront",
                                                           "Reload kubeconfig"};
    QTest::newRow(">re") << ">re" << Scope::Actions << "re"
                         << QStringList{"Reload kubeconfig", "Restart storefront", "Promote storefront"};
    QTest::newRow("@ all objects") << "@" << Scope::Objects << "" << QStringList{"web-1", "frontend-7f9c"};
    QTest::newRow("@fr") << " @ fr " << Scope::Objects << "fr" << QStringList{"frontend-7f9c"};
    QTest::newRow("no prefix reaches all") << "ro" << Scope::All << "ro"
                                           << QStringList{"Rollouts", "Reload kubeconfig", "Promote storefront",
                                                          "Resources", "Restart storefront", "frontend-7f9c"};
}

void TestPaletteModel::prefixes()
{
    QFETCH(QString, filter);
    QFETCH(Scope, scope);
    QFETCH(QString, query);
    QFETCH(QStringList, titles);
    m_model->setFilter(filter);
    QCOMPARE(m_model->scope(), scope);
    QCOMPARE(m_model->query(), query);
    QCOMPARE(PaletteModel::scopeOf(filter), scope);
    if (scope == Scope::All && !titles.isEmpty()) {
        // The full list is long; the order of the best few is what the operator sees.
        QCOMPARE(this->titles().first(), titles.first());
        for (const QString &title : titles)
            QVERIFY2(this->titles().contains(title), qPrintable(title));
    } else {
        QCOMPARE(this->titles(), titles);
    }
}

void TestPaletteModel::slashIsAPageFilter()
{
    m_model->setFilter(QStringLiteral("/web"));
    QCOMPARE(m_model->scope(), Scope::PageFilter);
    QCOMPARE(m_model->query(), QStringLiteral("web"));
    QCOMPARE(m_model->rowCount(), 0);
}

void TestPaletteModel::recencyBreaksTies()
{
    QList<PaletteCommand> twins;
    twins.append({QStringLiteral("object:pods/a/web"), QStringLiteral("web"), QStringLiteral("a"),
                  PaletteModel::categoryObjects, {}, {}, {}, {}});
    twins.append({QStringLiteral("object:pods/b/web"), QStringLiteral("web"), QStringLiteral("b"),
                  PaletteModel::categoryObjects, {}, {}, {}, {}});
    m_model->setCommands(twins);
    m_model->setFilter(QStringLiteral("web"));
    QCOMPARE(m_model->index(0).data(PaletteModel::IdRole).toString(), QStringLiteral("object:pods/a/web"));
    QCOMPARE(m_model->index(0).data(PaletteModel::ScoreRole), m_model->index(1).data(PaletteModel::ScoreRole));

    m_model->setRecent({QStringLiteral("object:pods/b/web")});
    QCOMPARE(m_model->index(0).data(PaletteModel::IdRole).toString(), QStringLiteral("object:pods/b/web"));
    QVERIFY(m_model->index(0).data(PaletteModel::ScoreRole).toInt()
            > m_model->index(1).data(PaletteModel::ScoreRole).toInt());
}

void TestPaletteModel::recencyLiftsCloseMatchesOnly()
{
    QList<PaletteCommand> kinds;
    for (const char *title : {"Services", "ServiceAccounts", "Controllers", "Rollouts"})
        kinds.append({QStringLiteral("kind:") + QLatin1String(title), QLatin1String(title), QString(),
                      PaletteModel::categoryKinds, {}, {}, {}, {}});
    m_model->setCommands(kinds);

    m_model->setFilter(QStringLiteral("serv"));
    QCOMPARE(titles(), (QStringList{QStringLiteral("Services"), QStringLiteral("ServiceAccounts")}));
    m_model->setRecent({QStringLiteral("kind:ServiceAccounts")});
    QCOMPARE(titles(), (QStringList{QStringLiteral("ServiceAccounts"), QStringLiteral("Services")}));

    // A recent "Controllers" does not beat "Rollouts" for "ro": a word start at the start is far
    // ahead of an "ro" in the middle.
    m_model->setRecent({QStringLiteral("kind:Controllers")});
    m_model->setFilter(QStringLiteral("ro"));
    QCOMPARE(titles().mid(0, 2), (QStringList{QStringLiteral("Rollouts"), QStringLiteral("Controllers")}));
}

void TestPaletteModel::noteUsedMovesToFrontAndKeepsFifty()
{
    QSignalSpy spy(m_model, &PaletteModel::recentChanged);
    m_model->setRecent({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("a"), QStringLiteral("c")});
    QCOMPARE(m_model->recent(), (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
    m_model->noteUsed(QStringLiteral("c"));
    QCOMPARE(m_model->recent(), (QStringList{QStringLiteral("c"), QStringLiteral("a"), QStringLiteral("b")}));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toStringList(), m_model->recent());

    for (int i = 0; i < 60; ++i)
        m_model->noteUsed(QStringLiteral("id%1").arg(i));
    QCOMPARE(m_model->recent().size(), PaletteModel::kMaxRecent);
    QCOMPARE(m_model->recent().first(), QStringLiteral("id59"));
    QCOMPARE(m_model->recent().last(), QStringLiteral("id10"));

    // The next empty filter shows the used command first.
    m_model->noteUsed(QStringLiteral("kind:replicasets.apps"));
    m_model->setFilter(QString());
    QCOMPARE(m_model->index(0).data().toString(), QStringLiteral("ReplicaSets"));
}

void TestPaletteModel::setRecentDoesNotEmit()
{
    QSignalSpy spy(m_model, &PaletteModel::recentChanged);
    m_model->setRecent({QStringLiteral("kind:pods")});
    QCOMPARE(spy.count(), 0);
}

void TestPaletteModel::roles()
{
    m_model->setFilter(QStringLiteral("restart"));
    QCOMPARE(m_model->rowCount(), 1);
    const QModelIndex index = m_model->index(0);
    const QString reason = QStringLiteral("Needs patch permission on rollouts in shop");
    QCOMPARE(index.data(PaletteModel::DisabledReasonRole).toString(), reason);
    QCOMPARE(index.data(Qt::ToolTipRole).toString(), reason);
    QCOMPARE(index.data(PaletteModel::CategoryRole).toString(), PaletteModel::categoryActions);
    QCOMPARE(index.data(PaletteModel::SubtitleRole).toString(), QStringLiteral("Rollout"));
    QCOMPARE(index.data(PaletteModel::IdRole).toString(),
             QStringLiteral("action:restart:rollouts.argoproj.io/shop/storefront"));
    QCOMPARE(index.data(PaletteModel::IconNameRole).toString(),
             QStringLiteral("icon-action:restart:rollouts.argoproj.io/shop/storefront"));
    // Still selectable: the palette shows why it cannot run.
    QVERIFY(index.flags() & Qt::ItemIsSelectable);
    QVERIFY(index.flags() & Qt::ItemIsEnabled);

    m_model->setFilter(QStringLiteral("reload"));
    QCOMPARE(m_model->index(0).data(PaletteModel::ShortcutRole).toString(), QStringLiteral("Ctrl+R"));
    QVERIFY(!m_model->index(0).data(Qt::ToolTipRole).isValid());
    QVERIFY(m_model->index(0).data(PaletteModel::DisabledReasonRole).toString().isEmpty());

    const PaletteCommand *command = m_model->commandAt(0);
    QVERIFY(command);
    QCOMPARE(command->id, QStringLiteral("command:reload"));
    command->run();
    QCOMPARE(m_ran, QStringList{QStringLiteral("command:reload")});
    QVERIFY(!m_model->commandAt(1));
    QVERIFY(!m_model->commandAt(-1));
    QVERIFY(m_model->roleNames().contains(PaletteModel::MatchPositionsRole));
}

void TestPaletteModel::capsShownRows()
{
    QList<PaletteCommand> objects;
    for (int i = 0; i < 1000; ++i)
        objects.append({QStringLiteral("object:pods/shop/web-%1").arg(i), QStringLiteral("web-%1").arg(i),
                        QStringLiteral("shop · Pod"), PaletteModel::categoryObjects, {}, {}, {}, {}});
    m_model->setCommands(objects);
    m_model->setFilter(QStringLiteral("@"));
    QCOMPARE(m_model->rowCount(), PaletteModel::kMaxRows);
    QCOMPARE(m_model->matchCount(), 1000);
    QCOMPARE(m_model->index(0).data().toString(), QStringLiteral("web-0"));
    m_model->setFilter(QStringLiteral("web"));
    QCOMPARE(m_model->rowCount(), PaletteModel::kMaxRows);
    // Equal scores keep the shell's order.
    QCOMPARE(m_model->index(0).data().toString(), QStringLiteral("web-0"));
    QCOMPARE(m_model->index(199).data().toString(), QStringLiteral("web-199"));
    // Matching looks at all 1000, not at the first 200.
    m_model->setFilter(QStringLiteral("web 999"));
    QCOMPARE(titles(), QStringList{QStringLiteral("web-999")});
    // The 9 after the dash is a word start: "web-99" beats "web-199".
    m_model->setFilter(QStringLiteral("web 99"));
    QCOMPARE(m_model->index(0).data().toString(), QStringLiteral("web-99"));
}

void TestPaletteModel::setCommandsReappliesFilter()
{
    m_model->setFilter(QStringLiteral(":"));
    QCOMPARE(m_model->rowCount(), 4);
    QList<PaletteCommand> one;
    one.append({QStringLiteral("kind:jobs.batch"), QStringLiteral("Jobs"), QString(), PaletteModel::categoryKinds,
                {}, {}, {}, {}});
    m_model->setCommands(one);
    QCOMPARE(titles(), QStringList{QStringLiteral("Jobs")});
}

// What one keystroke costs with a large cache: match, rank, cap and reset. The bound is generous
// (shared, loaded machines); the log line is the number to look at.
void TestPaletteModel::tenThousandObjectsPerKeystroke()
{
    QList<PaletteCommand> objects;
    for (int i = 0; i < 10000; ++i)
        objects.append({QStringLiteral("object:pods/ns-%1/storefront-%2").arg(i % 23).arg(i),
                        QStringLiteral("storefront-7f9c8d%1-x%2").arg(i).arg(i % 7),
                        QStringLiteral("ns-%1 · Pod").arg(i % 23), PaletteModel::categoryObjects, {}, {}, {}, {}});
    m_model->setCommands(objects);
    for (const QString &filter : {QStringLiteral("s"), QStringLiteral("sto"), QStringLiteral("store x3"),
                                  QStringLiteral("ns-4 front 99")}) {
        QElapsedTimer timer;
        timer.start();
        m_model->setFilter(filter);
        const qint64 ms = timer.elapsed();
        qInfo("%s: %d matched, %d shown in %lld ms", qPrintable(filter), m_model->matchCount(), m_model->rowCount(), ms);
        QVERIFY(m_model->rowCount() > 0);
        QVERIFY2(ms < 150, qPrintable(QStringLiteral("%1 ms").arg(ms)));
    }
}

QTEST_GUILESS_MAIN(TestPaletteModel)
#include "tst_palettemodel.moc"

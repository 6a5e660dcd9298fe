// Every status word the views show maps to the tone an operator expects; unknown words stay Unknown.
#include "statustone.h"

#include <QTest>

using pilothouse::models::StatusTone;
using pilothouse::models::statusTone;
using pilothouse::models::statusToneName;

Q_DECLARE_METATYPE(StatusTone)

class TestStatusTone : public QObject {
    Q_OBJECT

private slots:
    void words_data();
    void words();
    void unknownWords_data();
    void unknownWords();
    void toneNames();
};

void TestStatusTone::words_data()
{
    QTest::addColumn<QString>("word");
    QTest::addColumn<StatusTone>("tone");
    auto add = [](const char *context, StatusTone tone, std::initializer_list<const char *> words) {
        for (const char *w : words)
            QTest::addRow("%s %s", context, w) << QString::fromUtf8(w) << tone;
    };
    using T = StatusTone;
    // Pods: kubectl's STATUS column.
    add("pod", T::Good, {"Running", "Completed", "Succeeded"});
    add("pod", T::Progress, {"Pending", "ContainerCreating", "PodInitializing", "Init:0/2", "Init:1/3"});
    add("pod", T::Bad, {"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "Error", "Failed", "OOMKilled", "Evicted", "NotReady",
                        "Init:CrashLoopBackOff", "Init:Error", "Init:ImagePullBackOff", "CreateContainerConfigError", "Signal:9",
                        "ExitCode:137"});
    add("pod", T::Neutral, {"Terminating"});
    add("pod", T::Unknown, {"Unknown"});
    // Nodes.
    add("node", T::Good, {"Ready"});
    add("node", T::Bad, {"NotReady"});
    add("node", T::Warning, {"SchedulingDisabled", "Ready,SchedulingDisabled"});
    // Argo Rollouts.
    add("rollout", T::Good, {"Healthy"});
    add("rollout", T::Progress, {"Progressing"});
    add("rollout", T::Paused, {"Paused", "Suspended", "Waiting for promotion"});
    add("rollout", T::Bad, {"Degraded", "Aborted"});
    // Argo CD: sync status, health, operation phase.
    add("argocd", T::Good, {"Synced", "Healthy", "Succeeded", "Running"});
    add("argocd", T::Warning, {"OutOfSync", "Missing"});
    add("argocd", T::Progress, {"Progressing"});
    add("argocd", T::Bad, {"Degraded", "Failed", "Error"});
    add("argocd", T::Paused, {"Suspended"});
    add("argocd", T::Neutral, {"Terminating"});
    add("argocd", T::Unknown, {"Unknown"});
    // Jenkins: run status and job colours.
    add("jenkins", T::Good, {"SUCCESS", "blue"});
    add("jenkins", T::Bad, {"FAILURE", "red"});
    add("jenkins", T::Warning, {"UNSTABLE", "yellow"});
    add("jenkins", T::Neutral, {"ABORTED", "aborted", "NOT_EXECUTED", "NOT_BUILT", "notbuilt", "grey", "disabled"});
    add("jenkins", T::Progress, {"IN_PROGRESS", "blue_anime", "red_anime", "yellow_anime", "grey_anime", "aborted_anime", "notbuilt_anime"});
    add("jenkins", T::Paused, {"PAUSED_PENDING_INPUT", "Waiting for approval"});
    // Jobs.
    add("job", T::Good, {"Complete", "Running"});
    add("job", T::Bad, {"Failed"});
    add("job", T::Paused, {"Suspended"});
    // The connection indicator.
    add("connection", T::Good, {"Live"});
    add("connection", T::Progress, {"Connecting", "Reconnecting"});
    add("connection", T::Bad, {"Error"});
    add("connection", T::Neutral, {"Disconnected"});
    // Log levels.
    add("log", T::Bad, {"ERROR"});
    add("log", T::Warning, {"WARN"});
    add("log", T::Neutral, {"INFO", "DEBUG"});
    // Spacing around a word and lower-case forms of the common ones.
    add("folded", T::Bad, {" Failed ", "error"});
    add("folded", T::Warning, {"warning"});
    add("folded", T::Good, {"healthy"});
}

void TestStatusTone::words()
{
    QFETCH(QString, word);
    QFETCH(StatusTone, tone);
    QCOMPARE(statusToneName(statusTone(word)), statusToneName(tone));
}

void TestStatusTone::unknownWords_data()
{
    QTest::addColumn<QString>("word");
    QTest::newRow("empty") << QString();
    QTest::newRow("blank") << QStringLiteral("   ");
    QTest::newRow("made up") << QStringLiteral("Flabbergasted");
    QTest::newRow("a number") << QStringLiteral("42");
    QTest::newRow("a sentence") << QStringLiteral("Frobnicating now");
}

void TestStatusTone::unknownWords()
{
    QFETCH(QString, word);
    QCOMPARE(statusToneName(statusTone(word)), QStringLiteral("unknown"));
}

void TestStatusTone::toneNames()
{
    QSet<QString> names;
    for (StatusTone t : {StatusTone::Good, StatusTone::Progress, StatusTone::Paused, StatusTone::Warning, StatusTone::Bad, StatusTone::Neutral,
                         StatusTone::Unknown})
        names.insert(statusToneName(t));
    QCOMPARE(names.size(), 7);
}

QTEST_APPLESS_MAIN(TestStatusTone)
#include "tst_statustone.moc"

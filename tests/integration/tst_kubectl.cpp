// Integration tests: the real kubectl against pilothouse-sim, one test per verb an operator uses.
#include "gitdaemon.h"
#include "simprocess.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace pilothouse::testsupport;

namespace {

QString describe(const ProcessResult &r)
{
    return QStringLiteral("kubectl exited with %1%2\n--- stdout:\n%3\n--- stderr:\n%4")
        .arg(r.exitCode)
        .arg(r.timedOut ? QStringLiteral(" (timed out)") : QString())
        .arg(r.out, r.err);
}

// The non-empty lines of a kubectl table, each split into its whitespace-separated cells.
QList<QStringList> tableRows(const QString &out)
{
    QList<QStringList> rows;
    for (const QString &line : out.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        rows << line.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
    return rows;
}

// The first row whose cell `column` is `name` (column 1 for tables that start with NAMESPACE).
QStringList rowNamed(const QList<QStringList> &rows, const QString &name, int column = 0)
{
    for (const QStringList &row : rows)
        if (row.size() > column && row[column] == name)
            return row;
    return {};
}

QStringList lines(const QString &out) { return out.split(QLatin1Char('\n'), Qt::SkipEmptyParts); }

// The time a `kubectl logs --timestamps` line starts with (RFC 3339, up to nine fraction digits),
// to the millisecond; invalid when the line has none.
QDateTime logLineTime(const QString &line)
{
    static const QRegularExpression re(QStringLiteral("^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d)(?:\\.(\\d{1,9}))?Z "));
    const QRegularExpressionMatch m = re.match(line);
    if (!m.hasMatch())
        return {};
    const QDateTime t = QDateTime::fromString(m.captured(1) + QLatin1Char('Z'), Qt::ISODate);
    return t.addMSecs(m.captured(2).leftJustified(3, QLatin1Char('0')).left(3).toInt());
}

const QString kNs = QStringLiteral("demo");

// `kubectl logs -f ...` running in the background, read as it writes.
class FollowedLog {
public:
    FollowedLog(const SimProcess &sim, const QStringList &args)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), sim.workDir());
        m_process.setProcessEnvironment(env);
        m_process.start(kubectlPath(), QStringList{QStringLiteral("--kubeconfig"), sim.kubeconfigPath(), QStringLiteral("--cache-dir"),
                                                   sim.workDir() + QStringLiteral("/kubectl-cache")} +
                                           args);
        m_process.waitForStarted(10000);
    }
    ~FollowedLog()
    {
        if (running()) {
            m_process.kill();
            m_process.waitForFinished(3000);
        }
    }
    bool running() const { return m_process.state() == QProcess::Running; }
    bool waitForLines(qsizetype count, int timeoutMs)
    {
        return eventually([&] { return lines().size() >= count; }, timeoutMs);
    }
    bool waitForFinished(int timeoutMs)
    {
        bool finished = eventually([&] { return !running(); }, timeoutMs);
        lines();  // what it wrote last
        return finished;
    }
    int exitCode() const { return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1; }
    // The complete lines written so far.
    QStringList lines()
    {
        m_out += QString::fromUtf8(m_process.readAllStandardOutput());
        m_err += QString::fromUtf8(m_process.readAllStandardError());
        return m_out.left(m_out.lastIndexOf(QLatin1Char('\n'))).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    }
    QString describe() const
    {
        return QStringLiteral("kubectl %1\n--- stdout:\n%2\n--- stderr:\n%3").arg(running() ? QStringLiteral("still running") : QStringLiteral("exited"), m_out, m_err);
    }

private:
    QProcess m_process;
    QString m_out, m_err;
};

}  // namespace

// Fails the current test with kubectl's output unless it exited with 0.
#define KUBECTL_OK(result) QVERIFY2((result).exitCode == 0 && !(result).timedOut, qPrintable(describe(result)))
// Fails the current test unless `text` contains `part`, showing both.
#define VERIFY_CONTAINS(text, part) \
    QVERIFY2((text).contains(part), qPrintable(QStringLiteral("expected \"%1\" in:\n%2").arg(QString(part), QString(text))))

class TestKubectl : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<SimProcess> m_sim;
    std::unique_ptr<SimProcess> m_world;  // the default scenario, for the workload kinds it has

    // The default scenario (shop, cafe, three nodes), started on first use; pods come up in 0.1 s
    // and Jobs' pods run ten times faster (nightly-report's 20 s in 2 s).
    SimProcess *world()
    {
        if (!m_world) {
            auto sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--pod-start-ms"), QStringLiteral("100"), QStringLiteral("--pod-ready-ms"),
                                                                QStringLiteral("100"), QStringLiteral("--pod-stop-ms"), QStringLiteral("100"),
                                                                QStringLiteral("--time-scale"), QStringLiteral("10")},
                                                    sourceDir() + QStringLiteral("/resources/scenarios/default.yaml"));
            QString error;
            if (!sim->start(&error)) {
                qWarning("the default scenario's simulator did not start: %s", qPrintable(error));
                return nullptr;
            }
            m_world = std::move(sim);
        }
        return m_world.get();
    }
    ProcessResult inWorld(const QStringList &args, int timeoutMs = 60000) { return runKubectl(*world(), args, timeoutMs); }

    ProcessResult kubectl(const QStringList &args, const QByteArray &input = {}, int timeoutMs = 60000) const
    {
        return runKubectl(*m_sim, args, timeoutMs, input);
    }

    ProcessResult viewer(const QStringList &args, const QByteArray &input = {}) const
    {
        return kubectl(QStringList{QStringLiteral("--context"), QStringLiteral("sim-viewer")} + args, input);
    }

    // `kubectl get <what> -n demo -o jsonpath=<path>`; empty on failure.
    QString jsonpath(const QStringList &what, const QString &path) const
    {
        ProcessResult r = kubectl(QStringList{QStringLiteral("get")} + what + QStringList{QStringLiteral("-n"), kNs, QStringLiteral("-o"),
                                                                                        QStringLiteral("jsonpath=") + path});
        return r.exitCode == 0 ? r.out.trimmed() : QString();
    }

    // Polls a jsonpath until it reads `expected`; `last` keeps the final reading for the failure message.
    bool waitJsonpath(const QStringList &what, const QString &path, const QString &expected, QString *last, int timeoutMs = 30000) const
    {
        return eventually([&] { return (*last = jsonpath(what, path)) == expected; }, timeoutMs);
    }

    // Creates a Deployment in demo and waits until all its replicas are ready.
    bool createDeployment(const QString &name, const QString &image, int replicas, QString *why) const
    {
        ProcessResult r = kubectl({QStringLiteral("create"), QStringLiteral("deployment"), name, QStringLiteral("--image=") + image,
                                   QStringLiteral("--replicas=%1").arg(replicas), QStringLiteral("-n"), kNs});
        if (r.exitCode != 0) {
            *why = describe(r);
            return false;
        }
        QString last;
        if (!waitJsonpath({QStringLiteral("deployment"), name}, QStringLiteral("{.status.readyReplicas}"), QString::number(replicas), &last)) {
            *why = QStringLiteral("deployment %1 has %2 ready replicas, wanted %3").arg(name, last).arg(replicas);
            return false;
        }
        return true;
    }

    // The names of the pods of a Deployment created by `kubectl create deployment` (label app=<name>).
    QStringList podsOf(const QString &app) const
    {
        return jsonpath({QStringLiteral("pods"), QStringLiteral("-l"), QStringLiteral("app=") + app},
                        QStringLiteral("{.items[*].metadata.name}"))
            .split(QLatin1Char(' '), Qt::SkipEmptyParts);
    }

    // One line per ReplicaSet of app=<name>: "<image>=<spec.replicas>/<status.replicas>/<status.readyReplicas>".
    QStringList replicaSetsOf(const QString &app) const
    {
        QString out = jsonpath({QStringLiteral("replicasets"), QStringLiteral("-l"), QStringLiteral("app=") + app},
                               QStringLiteral("{range .items[*]}{.spec.template.spec.containers[0].image}={.spec.replicas}/"
                                              "{.status.replicas}/{.status.readyReplicas}{\"\\n\"}{end}"));
        QStringList sets = lines(out);
        sets.sort();
        return sets;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (kubectlPath().isEmpty())
            QSKIP("kubectl is not installed: these tests run the real kubectl against pilothouse-sim");
        m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--pod-start-ms"), QStringLiteral("200"), QStringLiteral("--pod-ready-ms"),
                                                         QStringLiteral("200"), QStringLiteral("--pod-stop-ms"), QStringLiteral("200")});
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
    }

    void cleanupTestCase()
    {
        m_world.reset();
        m_sim.reset();
    }

    void version()
    {
        ProcessResult r = kubectl({QStringLiteral("version")});
        KUBECTL_OK(r);
        QString server;
        for (const QString &line : lines(r.out))
            if (line.startsWith(QLatin1String("Server Version:")))
                server = line;
        QVERIFY2(!server.isEmpty(), qPrintable(r.out));
        VERIFY_CONTAINS(server, QStringLiteral("sim"));
        QVERIFY2(QRegularExpression(QStringLiteral("Server Version: v1\\.\\d+\\.\\d+")).match(server).hasMatch(), qPrintable(server));

        ProcessResult json = kubectl({QStringLiteral("version"), QStringLiteral("-o"), QStringLiteral("json")});
        KUBECTL_OK(json);
        Json v = Json::parse(json.out.toStdString(), nullptr, false);
        QVERIFY2(!v.is_discarded(), qPrintable(json.out));
        JCOMPARE(v["serverVersion"]["major"], "1");
        QVERIFY(v["serverVersion"]["gitVersion"].get<std::string>().find("sim") != std::string::npos);
    }

    void apiResources()
    {
        ProcessResult r = kubectl({QStringLiteral("api-resources")});
        KUBECTL_OK(r);
        QList<QStringList> rows = tableRows(r.out);
        QVERIFY(!rows.isEmpty());
        QCOMPARE(rows[0], (QStringList{"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"}));
        QCOMPARE(rowNamed(rows, "pods"), (QStringList{"pods", "po", "v1", "true", "Pod"}));
        QCOMPARE(rowNamed(rows, "deployments"), (QStringList{"deployments", "deploy", "apps/v1", "true", "Deployment"}));
        QCOMPARE(rowNamed(rows, "horizontalpodautoscalers"),
                 (QStringList{"horizontalpodautoscalers", "hpa", "autoscaling/v2", "true", "HorizontalPodAutoscaler"}));
        QCOMPARE(rowNamed(rows, "rollouts"), (QStringList{"rollouts", "ro", "argoproj.io/v1alpha1", "true", "Rollout"}));
        QCOMPARE(rowNamed(rows, "nodes"), (QStringList{"nodes", "no", "v1", "false", "Node"}));

        // The fully qualified names, as scripts use them.
        ProcessResult names = kubectl({QStringLiteral("api-resources"), QStringLiteral("-o"), QStringLiteral("name")});
        KUBECTL_OK(names);
        QStringList all = lines(names.out);
        for (const char *name : {"pods", "deployments.apps", "horizontalpodautoscalers.autoscaling", "rollouts.argoproj.io"})
            QVERIFY2(all.contains(QLatin1String(name)), name);

        ProcessResult apps = kubectl({QStringLiteral("api-resources"), QStringLiteral("--api-group=apps"), QStringLiteral("-o"), QStringLiteral("name")});
        KUBECTL_OK(apps);
        for (const QString &name : lines(apps.out))
            QVERIFY2(name.endsWith(QLatin1String(".apps")), qPrintable(apps.out));
    }

    void apiVersions()
    {
        ProcessResult r = kubectl({QStringLiteral("api-versions")});
        KUBECTL_OK(r);
        QStringList versions = lines(r.out);
        for (const char *gv : {"v1", "apps/v1", "autoscaling/v2", "batch/v1", "argoproj.io/v1alpha1", "authorization.k8s.io/v1"})
            QVERIFY2(versions.contains(QLatin1String(gv)), qPrintable(QStringLiteral("%1 missing from:\n%2").arg(QLatin1String(gv), r.out)));
        QStringList sorted = versions;
        sorted.sort();
        QCOMPARE(versions, sorted);  // kubectl sorts them
        QCOMPARE(QSet<QString>(versions.begin(), versions.end()).size(), versions.size());  // and each appears once
    }

    void getPodsAllNamespaces()
    {
        ProcessResult r;
        // The scenario's pods start Pending and become Running 1/1 as the simulated kubelet works.
        bool settled = eventually([&] {
            r = kubectl({QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-A")});
            int web = 0, api = 0;
            for (const QStringList &row : tableRows(r.out)) {
                if (row.size() < 6 || row[0] != kNs)
                    continue;
                bool running = row[2] == QLatin1String("1/1") && row[3] == QLatin1String("Running");
                if (row[1].startsWith(QLatin1String("web-")))
                    web += running ? 1 : 100;  // anything not running keeps the count wrong
                if (row[1].startsWith(QLatin1String("api-")))
                    api += running ? 1 : 100;
            }
            return r.exitCode == 0 && web == 2 && api == 1;
        });
        QVERIFY2(settled, qPrintable(describe(r)));
        QList<QStringList> rows = tableRows(r.out);
        QCOMPARE(rows[0], (QStringList{"NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"}));
        for (const QStringList &row : rows.mid(1)) {
            QCOMPARE(row.size(), 6);
            QVERIFY2(QRegularExpression(QStringLiteral("^\\d+[smhd]")).match(row[5]).hasMatch(), qPrintable(row.join(' ')));
        }
        // Pods created by a ReplicaSet are named <deployment>-<pod-template-hash>-<5 characters>.
        QVERIFY(QRegularExpression(QStringLiteral("\\bweb-[a-z0-9]{6,10}-[a-z0-9]{5}\\b")).match(r.out).hasMatch());
    }

    void getPodsWide()
    {
        ProcessResult r;
        QRegularExpression ip(QStringLiteral("^10\\.244\\.\\d+\\.\\d+$"));
        bool placed = eventually([&] {
            r = kubectl({QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), kNs, QStringLiteral("-l"), QStringLiteral("app=web"),
                         QStringLiteral("-o"), QStringLiteral("wide")});
            QList<QStringList> rows = tableRows(r.out);
            if (r.exitCode != 0 || rows.size() != 3)
                return false;
            for (const QStringList &row : rows.mid(1))
                if (row.size() < 7 || !ip.match(row[5]).hasMatch() || !row[6].startsWith(QLatin1String("node-")))
                    return false;
            return true;
        });
        QVERIFY2(placed, qPrintable(describe(r)));
        QCOMPARE(tableRows(r.out)[0],
                 (QStringList{"NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE", "READINESS", "GATES"}));
    }

    void getSeveralKinds()
    {
        ProcessResult r;
        bool ready = eventually([&] {
            r = kubectl({QStringLiteral("get"), QStringLiteral("deploy,rs,svc,hpa"), QStringLiteral("-A")});
            QStringList web = rowNamed(tableRows(r.out), QStringLiteral("deployment.apps/web"), 1);
            return r.exitCode == 0 && web.size() > 2 && web[2] == QLatin1String("2/2");
        });
        QVERIFY2(ready, qPrintable(describe(r)));
        QList<QStringList> rows = tableRows(r.out);

        QCOMPARE(rowNamed(rows, "deployment.apps/api", 1).mid(0, 5), (QStringList{"demo", "deployment.apps/api", "1/1", "1", "1"}));
        QVERIFY2(QRegularExpression(QStringLiteral("\\bdemo +replicaset\\.apps/web-[a-z0-9]+ +2 +2 +2\\b")).match(r.out).hasMatch(), qPrintable(r.out));

        // Each kind gets its own table with its own header.
        bool sawServiceHeader = false, sawHpaHeader = false;
        for (const QStringList &row : rows) {
            if (row.contains(QLatin1String("CLUSTER-IP")))
                sawServiceHeader = row.mid(0, 5) == QStringList{"NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP"};
            if (row.contains(QLatin1String("TARGETS")))
                sawHpaHeader = row.mid(0, 5) == QStringList{"NAMESPACE", "NAME", "REFERENCE", "TARGETS", "MINPODS"};
        }
        QVERIFY2(sawServiceHeader && sawHpaHeader, qPrintable(r.out));

        QStringList svc = rowNamed(rows, "service/web", 1);
        QVERIFY2(svc.size() >= 6, qPrintable(r.out));
        QCOMPARE(svc[2], QStringLiteral("ClusterIP"));
        QVERIFY2(QRegularExpression(QStringLiteral("^10\\.96\\.\\d+\\.\\d+$")).match(svc[3]).hasMatch(), qPrintable(svc.join(' ')));
        QCOMPARE(svc[5], QStringLiteral("80/TCP"));
        QCOMPARE(rowNamed(rows, "service/kubernetes", 1).value(3), QStringLiteral("10.96.0.1"));

        // Without a metrics server the current value reads <unknown>, but the metric and target show.
        QRegularExpression hpa(QStringLiteral("\\bdemo +horizontalpodautoscaler\\.autoscaling/web +Deployment/web +cpu: \\S+/60% +1 +4 +\\d"));
        QVERIFY2(hpa.match(r.out).hasMatch(), qPrintable(r.out));
    }

    void getJson()
    {
        ProcessResult r = kubectl({QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), kNs, QStringLiteral("-o"), QStringLiteral("json")});
        KUBECTL_OK(r);
        Json list = Json::parse(r.out.toStdString(), nullptr, false);
        QVERIFY2(!list.is_discarded(), qPrintable(r.out.left(2000)));
        JCOMPARE(list["kind"], "List");
        JCOMPARE(list["apiVersion"], "v1");
        QVERIFY(list["items"].is_array() && list["items"].size() >= 3);
        bool web = false, api = false;
        for (const auto &pod : list["items"]) {
            JCOMPARE(pod["kind"], "Pod");
            JCOMPARE(pod["apiVersion"], "v1");
            JCOMPARE(pod["metadata"]["namespace"], "demo");
            QVERIFY(!pod["metadata"]["uid"].get<std::string>().empty());
            std::string name = pod["metadata"]["name"];
            web = web || (name.rfind("web-", 0) == 0 && pod["spec"]["containers"][0]["name"] == "web");
            api = api || (name.rfind("api-", 0) == 0 && pod["spec"]["containers"][0]["image"] == "registry.pilothouse.local/demo/api:2.3");
        }
        QVERIFY(web && api);

        ProcessResult one = kubectl({QStringLiteral("get"), QStringLiteral("deployment"), QStringLiteral("api"), QStringLiteral("-n"), kNs,
                                     QStringLiteral("-o"), QStringLiteral("json")});
        KUBECTL_OK(one);
        Json dep = Json::parse(one.out.toStdString(), nullptr, false);
        JCOMPARE(dep["kind"], "Deployment");
        JCOMPARE(dep["apiVersion"], "apps/v1");
        JCOMPARE(dep["spec"]["replicas"], 1);
        JCOMPARE(dep["spec"]["selector"]["matchLabels"]["app"], "api");
    }

    void getYaml()
    {
        ProcessResult cm = kubectl({QStringLiteral("get"), QStringLiteral("configmap"), QStringLiteral("web-config"), QStringLiteral("-n"), kNs,
                                    QStringLiteral("-o"), QStringLiteral("yaml")});
        KUBECTL_OK(cm);
        QStringList yaml = lines(cm.out);
        for (const char *line : {"apiVersion: v1", "kind: ConfigMap", "data:", "  greeting: Hello from Pilothouse", "  log-level: debug",
                                 "  name: web-config", "  namespace: demo", "    app: web"})
            QVERIFY2(yaml.contains(QLatin1String(line)), qPrintable(QStringLiteral("\"%1\" missing from:\n%2").arg(QLatin1String(line), cm.out)));

        ProcessResult pods = kubectl({QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), kNs, QStringLiteral("-l"),
                                      QStringLiteral("app=api"), QStringLiteral("-o"), QStringLiteral("yaml")});
        KUBECTL_OK(pods);
        QVERIFY2(pods.out.startsWith(QLatin1String("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n")), qPrintable(pods.out.left(500)));
        QVERIFY(lines(pods.out).contains(QLatin1String("kind: List")));
        VERIFY_CONTAINS(pods.out, QStringLiteral("    image: registry.pilothouse.local/demo/api:2.3\n"));
    }

    void getWatch()
    {
        // kubectl streams the table: the current pods first, then one line per change.
        QProcess watcher;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), m_sim->workDir());
        watcher.setProcessEnvironment(env);
        watcher.start(kubectlPath(), {QStringLiteral("--kubeconfig"), m_sim->kubeconfigPath(), QStringLiteral("--cache-dir"),
                                      m_sim->workDir() + QStringLiteral("/kubectl-cache"), QStringLiteral("get"), QStringLiteral("pods"),
                                      QStringLiteral("-n"), kNs, QStringLiteral("-w")});
        QVERIFY(watcher.waitForStarted(10000));
        auto stop = qScopeGuard([&] {
            watcher.kill();
            watcher.waitForFinished(5000);
        });
        QString out;
        auto readUntil = [&](auto done, int timeoutMs) {
            QElapsedTimer t;
            t.start();
            while (!done() && t.elapsed() < timeoutMs && watcher.state() == QProcess::Running) {
                watcher.waitForReadyRead(100);
                out += QString::fromUtf8(watcher.readAllStandardOutput());
            }
            out += QString::fromUtf8(watcher.readAllStandardOutput());
            return done();
        };
        QVERIFY2(readUntil([&] { return out.contains(QLatin1String("web-")); }, 20000),
                 qPrintable(out + QString::fromUtf8(watcher.readAllStandardError())));
        QVERIFY2(out.startsWith(QLatin1String("NAME ")), qPrintable(out));

        ProcessResult run = kubectl({QStringLiteral("run"), QStringLiteral("watch-probe"), QStringLiteral("--image=busybox:1.36"),
                                     QStringLiteral("-n"), kNs, QStringLiteral("--"), QStringLiteral("sleep"), QStringLiteral("3600")});
        KUBECTL_OK(run);
        VERIFY_CONTAINS(run.out, QStringLiteral("pod/watch-probe created"));
        QRegularExpression running(QStringLiteral("(^|\\n)watch-probe +1/1 +Running +0 "));
        bool seen = readUntil([&] { return running.match(out).hasMatch(); }, 10000);
        QVERIFY2(seen, qPrintable(out + QString::fromUtf8(watcher.readAllStandardError())));
        // The pod shows up first as not ready, then ready: one line per change, never a second header.
        QVERIFY2(QRegularExpression(QStringLiteral("(^|\\n)watch-probe +0/1 +(Pending|ContainerCreating)")).match(out).hasMatch(), qPrintable(out));
        QCOMPARE(out.count(QLatin1String("NAME ")), 1);
        QCOMPARE(watcher.state(), QProcess::Running);  // a watch does not end on its own

        KUBECTL_OK(kubectl({QStringLiteral("delete"), QStringLiteral("pod"), QStringLiteral("watch-probe"), QStringLiteral("-n"), kNs,
                            QStringLiteral("--wait=false")}));
    }

    void describePod()
    {
        ProcessResult run = kubectl({QStringLiteral("run"), QStringLiteral("describe-probe"), QStringLiteral("--image=busybox:1.36"),
                                     QStringLiteral("-n"), kNs, QStringLiteral("--labels=probe=describe")});
        KUBECTL_OK(run);
        QString last;
        QVERIFY2(waitJsonpath({QStringLiteral("pod"), QStringLiteral("describe-probe")}, QStringLiteral("{.status.phase}"), QStringLiteral("Running"), &last),
                 qPrintable(last));
        ProcessResult r;
        // Events are recorded as the kubelet works; Started comes last.
        bool complete = eventually([&] {
            r = kubectl({QStringLiteral("describe"), QStringLiteral("pod"), QStringLiteral("describe-probe"), QStringLiteral("-n"), kNs});
            return r.exitCode == 0 && r.out.contains(QLatin1String(" Started "));
        });
        QVERIFY2(complete, qPrintable(describe(r)));
        QVERIFY(QRegularExpression(QStringLiteral("(^|\\n)Name: +describe-probe\\n")).match(r.out).hasMatch());
        QVERIFY(QRegularExpression(QStringLiteral("\\nNamespace: +demo\\n")).match(r.out).hasMatch());
        QVERIFY(QRegularExpression(QStringLiteral("\\nNode: +node-\\d/10\\.0\\.0\\.\\d+\\n")).match(r.out).hasMatch());
        QVERIFY(QRegularExpression(QStringLiteral("\\nStatus: +Running\\n")).match(r.out).hasMatch());
        QVERIFY(QRegularExpression(QStringLiteral("\\nLabels: +probe=describe\\n")).match(r.out).hasMatch());
        QVERIFY(QRegularExpression(QStringLiteral("\\n +Image: +busybox:1\\.36\\n")).match(r.out).hasMatch());
        int events = r.out.indexOf(QLatin1String("\nEvents:\n"));
        QVERIFY2(events > 0, qPrintable(r.out));
        QString table = r.out.mid(events);
        QVERIFY2(QRegularExpression(QStringLiteral("\\n +Normal +Scheduled +\\S+ +default-scheduler +Successfully assigned demo/describe-probe to node-\\d"))
                     .match(table).hasMatch(),
                 qPrintable(table));
        QVERIFY2(QRegularExpression(QStringLiteral("\\n +Normal +Started +\\S+ +kubelet +Started container describe-probe")).match(table).hasMatch(),
                 qPrintable(table));
        QVERIFY(table.indexOf(QLatin1String(" Scheduled ")) < table.indexOf(QLatin1String(" Started ")));

        KUBECTL_OK(kubectl({QStringLiteral("delete"), QStringLiteral("pod"), QStringLiteral("describe-probe"), QStringLiteral("-n"), kNs,
                            QStringLiteral("--wait=false")}));
    }

    void describeDeployment()
    {
        ProcessResult r = kubectl({QStringLiteral("describe"), QStringLiteral("deployment"), QStringLiteral("api"), QStringLiteral("-n"), kNs});
        KUBECTL_OK(r);
        QVERIFY(QRegularExpression(QStringLiteral("(^|\\n)Name: +api\\n")).match(r.out).hasMatch());
        QVERIFY(QRegularExpression(QStringLiteral("\\nSelector: +app=api\\n")).match(r.out).hasMatch());
        QVERIFY2(QRegularExpression(QStringLiteral("\\nReplicas: +1 desired \\| 1 updated \\| 1 total \\| 1 available \\| 0 unavailable\\n")).match(r.out).hasMatch(),
                 qPrintable(r.out));
        QVERIFY(QRegularExpression(QStringLiteral("\\nStrategyType: +RollingUpdate\\n")).match(r.out).hasMatch());
        QVERIFY(QRegularExpression(QStringLiteral("\\n +Image: +registry\\.pilothouse\\.local/demo/api:2\\.3\\n")).match(r.out).hasMatch());
        QRegularExpressionMatch rs = QRegularExpression(QStringLiteral("\\nNewReplicaSet: +(api-[a-z0-9]+) \\(1/1 replicas created\\)\\n")).match(r.out);
        QVERIFY2(rs.hasMatch(), qPrintable(r.out));
        QVERIFY(QRegularExpression(QStringLiteral("\\n +Available +True +MinimumReplicasAvailable\\n")).match(r.out).hasMatch());
        QVERIFY2(QRegularExpression(QStringLiteral("\\n +Normal +ScalingReplicaSet +\\S+ +deployment-controller +Scaled up replica set ") + rs.captured(1) +
                                    QStringLiteral(" to 1"))
                     .match(r.out)
                     .hasMatch(),
                 qPrintable(r.out));
    }

    void scale()
    {
        ProcessResult r = kubectl({QStringLiteral("scale"), QStringLiteral("deploy/web"), QStringLiteral("-n"), kNs, QStringLiteral("--replicas=3")});
        KUBECTL_OK(r);
        QCOMPARE(r.out.trimmed(), QStringLiteral("deployment.apps/web scaled"));
        auto restore = qScopeGuard([&] {
            kubectl({QStringLiteral("scale"), QStringLiteral("deploy/web"), QStringLiteral("-n"), kNs, QStringLiteral("--replicas=2")});
        });
        QString last;
        QVERIFY2(waitJsonpath({QStringLiteral("deploy"), QStringLiteral("web")}, QStringLiteral("{.spec.replicas} {.status.readyReplicas}"),
                              QStringLiteral("3 3"), &last),
                 qPrintable(last));
        QCOMPARE(podsOf(QStringLiteral("web")).size(), 3);

        // --current-replicas is a precondition: a stale one is refused and changes nothing.
        ProcessResult stale = kubectl({QStringLiteral("scale"), QStringLiteral("deploy/web"), QStringLiteral("-n"), kNs, QStringLiteral("--current-replicas=5"),
                                       QStringLiteral("--replicas=1")});
        QVERIFY2(stale.exitCode != 0, qPrintable(describe(stale)));
        VERIFY_CONTAINS(stale.err, QStringLiteral("Expected replicas to be 5, was 3"));
        QCOMPARE(jsonpath({QStringLiteral("deploy"), QStringLiteral("web")}, QStringLiteral("{.spec.replicas}")), QStringLiteral("3"));

        restore.dismiss();
        KUBECTL_OK(kubectl({QStringLiteral("scale"), QStringLiteral("deploy/web"), QStringLiteral("-n"), kNs, QStringLiteral("--current-replicas=3"),
                            QStringLiteral("--replicas=2")}));
        QVERIFY2(waitJsonpath({QStringLiteral("deploy"), QStringLiteral("web")}, QStringLiteral("{.status.replicas} {.status.readyReplicas}"),
                              QStringLiteral("2 2"), &last),
                 qPrintable(last));
        QVERIFY(eventually([&] { return podsOf(QStringLiteral("web")).size() == 2; }));
    }

    void apply()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QString path = dir.filePath(QStringLiteral("manifest.yaml"));
        auto write = [&](int replicas) {
            QFile f(path);
            if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
                return false;
            f.write(QStringLiteral("apiVersion: apps/v1\n"
                                   "kind: Deployment\n"
                                   "metadata:\n"
                                   "  name: applied\n"
                                   "  namespace: demo\n"
                                   "spec:\n"
                                   "  replicas: %1\n"
                                   "  selector:\n"
                                   "    matchLabels: {app: applied}\n"
                                   "  template:\n"
                                   "    metadata:\n"
                                   "      labels: {app: applied}\n"
                                   "    spec:\n"
                                   "      containers:\n"
                                   "      - name: main\n"
                                   "        image: nginx:1.25\n"
                                   "---\n"
                                   "apiVersion: v1\n"
                                   "kind: ConfigMap\n"
                                   "metadata:\n"
                                   "  name: applied-config\n"
                                   "  namespace: demo\n"
                                   "data:\n"
                                   "  mode: \"fast\"\n")
                        .arg(replicas)
                        .toUtf8());
            return true;
        };
        QStringList applyArgs{QStringLiteral("apply"), QStringLiteral("-f"), path};

        QVERIFY(write(1));
        ProcessResult created = kubectl(applyArgs);
        KUBECTL_OK(created);
        QCOMPARE(lines(created.out), (QStringList{"deployment.apps/applied created", "configmap/applied-config created"}));
        QString last;
        QVERIFY2(waitJsonpath({QStringLiteral("deploy"), QStringLiteral("applied")}, QStringLiteral("{.status.readyReplicas}"), QStringLiteral("1"), &last),
                 qPrintable(last));
        // Client-side apply records what was applied, for the next three-way merge.
        QString applied = jsonpath({QStringLiteral("configmap"), QStringLiteral("applied-config")},
                                   QStringLiteral("{.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}"));
        VERIFY_CONTAINS(applied, QStringLiteral("\"mode\":\"fast\""));

        ProcessResult again = kubectl(applyArgs);
        KUBECTL_OK(again);
        QCOMPARE(lines(again.out), (QStringList{"deployment.apps/applied unchanged", "configmap/applied-config unchanged"}));

        QVERIFY(write(2));
        ProcessResult changed = kubectl(applyArgs);
        KUBECTL_OK(changed);
        QCOMPARE(lines(changed.out), (QStringList{"deployment.apps/applied configured", "configmap/applied-config unchanged"}));
        QVERIFY2(waitJsonpath({QStringLiteral("deploy"), QStringLiteral("applied")}, QStringLiteral("{.spec.replicas} {.status.readyReplicas}"),
                              QStringLiteral("2 2"), &last),
                 qPrintable(last));

        KUBECTL_OK(kubectl({QStringLiteral("delete"), QStringLiteral("-f"), path, QStringLiteral("--wait=false")}));
    }

    void applyServerSide()
    {
        QByteArray manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-config\n  namespace: demo\ndata:\n  owner: ops\n";
        QStringList args{QStringLiteral("apply"), QStringLiteral("--server-side"), QStringLiteral("--field-manager=ops-team"), QStringLiteral("-f"),
                         QStringLiteral("-")};
        ProcessResult r = kubectl(args, manifest);
        KUBECTL_OK(r);
        QCOMPARE(r.out.trimmed(), QStringLiteral("configmap/ssa-config serverside-applied"));
        QCOMPARE(jsonpath({QStringLiteral("configmap"), QStringLiteral("ssa-config")}, QStringLiteral("{.data.owner}")), QStringLiteral("ops"));

        manifest.replace("owner: ops", "owner: platform");
        ProcessResult again = kubectl(args, manifest);
        KUBECTL_OK(again);
        QCOMPARE(again.out.trimmed(), QStringLiteral("configmap/ssa-config serverside-applied"));
        QCOMPARE(jsonpath({QStringLiteral("configmap"), QStringLiteral("ssa-config")}, QStringLiteral("{.data.owner}")), QStringLiteral("platform"));
        KUBECTL_OK(kubectl({QStringLiteral("delete"), QStringLiteral("configmap"), QStringLiteral("ssa-config"), QStringLiteral("-n"), kNs}));
    }

    void applyServerSideRecordsFieldManager()
    {
        // The field manager of a server-side apply owns its fields with operation Apply, also when the
        // apply created the object; that is what later conflict detection and `kubectl apply` rely on.
        QByteArray manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-managed\n  namespace: demo\ndata:\n  owner: ops\n";
        QStringList args{QStringLiteral("apply"), QStringLiteral("--server-side"), QStringLiteral("--field-manager=ops-team"), QStringLiteral("-f"),
                         QStringLiteral("-")};
        KUBECTL_OK(kubectl(args, manifest));
        auto cleanup = qScopeGuard([&] {
            kubectl({QStringLiteral("delete"), QStringLiteral("configmap"), QStringLiteral("ssa-managed"), QStringLiteral("-n"), kNs});
        });
        QStringList managed{QStringLiteral("configmap"), QStringLiteral("ssa-managed"), QStringLiteral("--show-managed-fields")};
        QString path = QStringLiteral("{range .metadata.managedFields[*]}{.manager}={.operation} {end}");
        QCOMPARE(jsonpath(managed, path), QStringLiteral("ops-team=Apply"));
        manifest.replace("owner: ops", "owner: platform");
        KUBECTL_OK(kubectl(args, manifest));
        QCOMPARE(jsonpath(managed, path), QStringLiteral("ops-team=Apply"));
    }

    void patchStrategic()
    {
        // Two containers, so that a strategic merge by name is distinguishable from replacing the list.
        QByteArray manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: patch-strategic\n  namespace: demo\n"
                              "spec:\n  replicas: 1\n  selector:\n    matchLabels: {app: patch-strategic}\n  template:\n"
                              "    metadata:\n      labels: {app: patch-strategic}\n    spec:\n      containers:\n"
                              "      - name: main\n        image: nginx:1.25\n      - name: sidecar\n        image: envoy:1.0\n";
        KUBECTL_OK(kubectl({QStringLiteral("create"), QStringLiteral("-f"), QStringLiteral("-")}, manifest));
        ProcessResult r = kubectl({QStringLiteral("patch"), QStringLiteral("deployment"), QStringLiteral("patch-strategic"), QStringLiteral("-n"), kNs,
                                   QStringLiteral("-p"), QStringLiteral(R"({"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"envoy:2.0"}]}}}})")});
        KUBECTL_OK(r);
        QCOMPARE(r.out.trimmed(), QStringLiteral("deployment.apps/patch-strategic patched"));
        QCOMPARE(jsonpath({QStringLiteral("deployment"), QStringLiteral("patch-strategic")},
                          QStringLiteral("{range .spec.template.spec.containers[*]}{.name}={.image} {end}")),
                 QStringLiteral("main=nginx:1.25 sidecar=envoy:2.0"));

        // The same patch again changes nothing, and kubectl says so. kubectl compares the object before
        // and after, so first let the rollout the first patch started settle.
        KUBECTL_OK(kubectl({QStringLiteral("rollout"), QStringLiteral("status"), QStringLiteral("deployment/patch-strategic"), QStringLiteral("-n"), kNs,
                            QStringLiteral("--timeout=120s")},
                           {}, 150000));
        auto version = [&] { return jsonpath({QStringLiteral("deployment"), QStringLiteral("patch-strategic")}, QStringLiteral("{.metadata.resourceVersion}")); };
        QVERIFY(eventually([&] {
            QString before = version();
            QTest::qWait(500);
            return !before.isEmpty() && before == version();
        }));
        ProcessResult same = kubectl({QStringLiteral("patch"), QStringLiteral("deployment"), QStringLiteral("patch-strategic"), QStringLiteral("-n"), kNs,
                                      QStringLiteral("-p"), QStringLiteral(R"({"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"envoy:2.0"}]}}}})")});
        KUBECTL_OK(same);
        QCOMPARE(same.out.trimmed(), QStringLiteral("deployment.apps/patch-strategic patched (no change)"));

        // $patch: delete removes one list element by its merge key.
        KUBECTL_OK(kubectl({QStringLiteral("patch"), QStringLiteral("deployment"), QStringLiteral("patch-strategic"), QStringLiteral("-n"), kNs,
                            QStringLiteral("-p"),
                            QStringLiteral(R"({"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}})")}));
        QCOMPARE(jsonpath({QStringLiteral("deployment"), QStringLiteral("patch-strategic")},
                          QStringLiteral("{range .spec.template.spec.containers[*]}{.name}={.image} {end}")),
                 QStringLiteral("main=nginx:1.25"));
        KUBECTL_OK(kubectl({QStringLiteral("delete"), QStringLiteral("deployment"), QStringLiteral("patch-strategic"), QStringLiteral("-n"), kNs,
                            QStringLiteral("--wait=false")}));
    }

    void patchMerge()
    {
        KUBECTL_OK(kubectl({QStringLiteral("create"), QStringLiteral("configmap"), QStringLiteral("patch-merge"), QStringLiteral("-n"), kNs,
                            QStringLiteral("--from-literal=a=1")}));
        KUBECTL_OK(kubectl({QStringLiteral("label"), QStringLiteral("configmap"), QStringLiteral("patch-merge"), QStringLiteral("-n"), kNs,
                            QStringLiteral("stale=yes")}));
        ProcessResult r = kubectl({QStringLiteral("patch"), QStringLiteral("configmap"), QStringLiteral("patch-merge"), QStringLiteral("-n"), kNs,
                                   QStringLiteral("--type=merge"), QStringLiteral("-p"),
                                   QStringLiteral(R"({"metadata":{"labels":{"tier":"gold","stale":null}}})")});
        KUBECTL_OK(r);
        QCOMPARE(r.out.trimmed(), QStringLiteral("configmap/patch-merge patched"));
        // A merge patch adds keys, and null removes one.
        QCOMPARE(jsonpath({QStringLiteral("configmap"), QStringLiteral("patch-merge")}, QStringLiteral("{.metadata.labels}")),
                 QStringLiteral(R"({"tier":"gold"})"));
        QCOMPARE(jsonpath({QStringLiteral("configmap"), QStringLiteral("patch-merge")}, QStringLiteral("{.data.a}")), QStringLiteral("1"));
        KUBECTL_OK(kubectl({QStringLiteral("delete"), QStringLiteral("configmap"), QStringLiteral("patch-merge"), QStringLiteral("-n"), kNs}));
    }

    void patchJson()
    {
        KUBECTL_OK(kubectl({QStringLiteral("create"), QStringLiteral("configmap"), QStringLiteral("patch-json"), QStringLiteral("-n"), kNs,
                            QStringLiteral("--from-literal=a=1")}));
        ProcessResult r = kubectl({QStringLiteral("patch"), QStringLiteral("configmap"), QStringLiteral("patch-json"), QStringLiteral("-n"), kNs,
                                   QStringLiteral("--type=json"), QStringLiteral("-p"), QStringLiteral(R"([{"op":"add","path":"/data/b","value":"2"}])")});
        KUBECTL_OK(r);
        QCOMPARE(r.out.trimmed(), QStringLiteral("configmap/patch-json patched"));
        QCOMPARE(jsonpath({QStringLiteral("configmap"), QStringLiteral("patch-json")}, QStringLiteral("{.data}")), QStringLiteral(R"({"a":"1","b":"2"})"));

        // A failing "test" operation rejects the whole patch.
        ProcessResult refused = kubectl({QStringLiteral("patch"), QStringLiteral("configmap"), QStringLiteral("patch-json"), QStringLiteral("-n"), kNs,
                                         QStringLiteral("--type=json"), QStringLiteral("-p"),
                                         QStringLiteral(R"([{"op":"test","path":"/data/a","value":"9"},{"op":"remove","path":"/data/b"}])")});
        QVERIFY2(refused.exitCode != 0, qPrintable(describe(refused)));
        QCOMPARE(jsonpath({QStringLiteral("configmap"), QStringLiteral("patch-json")}, QStringLiteral("{.data}")), QStringLiteral(R"({"a":"1","b":"2"})"));
        KUBECTL_OK(kubectl({QStringLiteral("delete"), QStringLiteral("configmap"), QStringLiteral("patch-json"), QStringLiteral("-n"), kNs}));
    }

    void labelAndAnnotate()
    {
        KUBECTL_OK(kubectl({QStringLiteral("create"), QStringLiteral("configmap"), QStringLiteral("labelled"), QStringLiteral("-n"), kNs}));
        ProcessResult label = kubectl({QStringLiteral("label"), QStringLiteral("configmap"), QStringLiteral("labelled"), QStringLiteral("-n"), kNs,
                                       QStringLiteral("team=ops")});
        KUBECTL_OK(label);
        QCOMPARE(label.out.trimmed(), QStringLiteral("configmap/labelled labeled"));
        ProcessResult selected = kubectl({QStringLiteral("get"), QStringLiteral("configmaps"), QStringLiteral("-n"), kNs, QStringLiteral("-l"),
                                          QStringLiteral("team=ops"), QStringLiteral("-o"), QStringLiteral("name")});
        KUBECTL_OK(selected);
        QCOMPARE(selected.out.trimmed(), QStringLiteral("configmap/labelled"));

        // Changing a label needs --overwrite, as on a real cluster.
        ProcessResult clash = kubectl({QStringLiteral("label"), QStringLiteral("configmap"), QStringLiteral("labelled"), QStringLiteral("-n"), kNs,
                                       QStringLiteral("team=dev")});
        QVERIFY(clash.exitCode != 0);
        VERIFY_CONTAINS(clash.err, QStringLiteral("already has a value (ops)"));

        ProcessResult annotate = kubectl({QStringLiteral("annotate"), QStringLiteral("configmap"), QStringLiteral("labelled"), QStringLiteral("-n"), kNs,
                                          QStringLiteral("note=checked")});
        KUBECTL_OK(annotate);
        QCOMPARE(annotate.out.trimmed(), QStringLiteral("configmap/labelled annotated"));
        QCOMPARE(jsonpath({QStringLiteral("configmap"), QStringLiteral("labelled")}, QStringLiteral("{.metadata.annotations.note}")), QStringLiteral("checked"));

        ProcessResult unlabel = kubectl({QStringLiteral("label"), QStringLiteral("configmap"), QStringLiteral("labelled"), QStringLiteral("-n"), kNs,
                                         QStringLiteral("team-")});
        KUBECTL_OK(unlabel);
        QCOMPARE(unlabel.out.trimmed(), QStringLiteral("configmap/labelled unlabeled"));
        QCOMPARE(jsonpath({QStringLiteral("configmap"), QStringLiteral("labelled")}, QStringLiteral("{.metadata.labels.team}")), QString());
        KUBECTL_OK(kubectl({QStringLiteral("delete"), QStringLiteral("configmap"), QStringLiteral("labelled"), QStringLiteral("-n"), kNs}));
    }

    void unlabelLastLabelLeavesNoLabels()
    {
        // The API server omits empty maps (labels is `omitempty`), so removing the last label
        // removes metadata.labels altogether rather than leaving {}.
        KUBECTL_OK(kubectl({QStringLiteral("create"), QStringLiteral("configmap"), QStringLiteral("unlabelled"), QStringLiteral("-n"), kNs}));
        auto cleanup = qScopeGuard([&] {
            kubectl({QStringLiteral("delete"), QStringLiteral("configmap"), QStringLiteral("unlabelled"), QStringLiteral("-n"), kNs});
        });
        KUBECTL_OK(kubectl({QStringLiteral("label"), QStringLiteral("configmap"), QStringLiteral("unlabelled"), QStringLiteral("-n"), kNs,
                            QStringLiteral("team=ops")}));
        KUBECTL_OK(kubectl({QStringLiteral("label"), QStringLiteral("configmap"), QStringLiteral("unlabelled"), QStringLiteral("-n"), kNs,
                            QStringLiteral("team-")}));
        ProcessResult json = kubectl({QStringLiteral("get"), QStringLiteral("configmap"), QStringLiteral("unlabelled"), QStringLiteral("-n"), kNs,
                                      QStringLiteral("-o"), QStringLiteral("json")});
        KUBECTL_OK(json);
        Json cm = Json::parse(json.out.toStdString(), nullptr, false);
        QVERIFY2(!cm["metadata"].contains("labels"), cm["metadata"].dump().c_str());
    }

    void deleteObjects()
    {
        QString why;
        QVERIFY2(createDeployment(QStringLiteral("delete-me"), QStringLiteral("nginx:1.25"), 2, &why), qPrintable(why));
        QCOMPARE(podsOf(QStringLiteral("delete-me")).size(), 2);
        ProcessResult r = kubectl({QStringLiteral("delete"), QStringLiteral("deployment"), QStringLiteral("delete-me"), QStringLiteral("-n"), kNs});
        KUBECTL_OK(r);
        QCOMPARE(r.out.trimmed(), QStringLiteral("deployment.apps \"delete-me\" deleted"));
        ProcessResult gone = kubectl({QStringLiteral("get"), QStringLiteral("deployment"), QStringLiteral("delete-me"), QStringLiteral("-n"), kNs});
        QVERIFY(gone.exitCode != 0);
        VERIFY_CONTAINS(gone.err, QStringLiteral("Error from server (NotFound): deployments.apps \"delete-me\" not found"));
        // The garbage collector removes the ReplicaSet, then the pods terminate.
        QVERIFY2(eventually([&] { return podsOf(QStringLiteral("delete-me")).isEmpty(); }), qPrintable(podsOf(QStringLiteral("delete-me")).join(' ')));
        QVERIFY(eventually([&] { return replicaSetsOf(QStringLiteral("delete-me")).isEmpty(); }));

        KUBECTL_OK(kubectl({QStringLiteral("create"), QStringLiteral("configmap"), QStringLiteral("delete-cm"), QStringLiteral("-n"), kNs,
                            QStringLiteral("--from-literal=a=1")}));
        ProcessResult cm = kubectl({QStringLiteral("delete"), QStringLiteral("configmap"), QStringLiteral("delete-cm"), QStringLiteral("-n"), kNs});
        KUBECTL_OK(cm);
        QCOMPARE(cm.out.trimmed(), QStringLiteral("configmap \"delete-cm\" deleted"));
        ProcessResult cmGone = kubectl({QStringLiteral("get"), QStringLiteral("configmap"), QStringLiteral("delete-cm"), QStringLiteral("-n"), kNs});
        QVERIFY(cmGone.exitCode != 0);
        VERIFY_CONTAINS(cmGone.err, QStringLiteral("configmaps \"delete-cm\" not found"));

        // Deleting what is not there fails, unless --ignore-not-found.
        ProcessResult again = kubectl({QStringLiteral("delete"), QStringLiteral("configmap"), QStringLiteral("delete-cm"), QStringLiteral("-n"), kNs});
        QVERIFY(again.exitCode != 0);
        VERIFY_CONTAINS(again.err, QStringLiteral("Error from server (NotFound): configmaps \"delete-cm\" not found"));
        ProcessResult ignored = kubectl({QStringLiteral("delete"), QStringLiteral("configmap"), QStringLiteral("delete-cm"), QStringLiteral("-n"), kNs,
                                         QStringLiteral("--ignore-not-found")});
        KUBECTL_OK(ignored);
        QCOMPARE(ignored.out.trimmed(), QString());
    }

    void rolloutStatusAfterSetImage()
    {
        QString why;
        QVERIFY2(createDeployment(QStringLiteral("rollout-status"), QStringLiteral("nginx:1.0"), 2, &why), qPrintable(why));
        ProcessResult set = kubectl({QStringLiteral("set"), QStringLiteral("image"), QStringLiteral("deployment/rollout-status"),
                                     QStringLiteral("nginx=nginx:2.0"), QStringLiteral("-n"), kNs});
        KUBECTL_OK(set);
        QCOMPARE(set.out.trimmed(), QStringLiteral("deployment.apps/rollout-status image updated"));
        ProcessResult status = kubectl({QStringLiteral("rollout"), QStringLiteral("status"), QStringLiteral("deployment/rollout-status"), QStringLiteral("-n"),
                                        kNs, QStringLiteral("--timeout=120s")},
                                       {}, 150000);
        KUBECTL_OK(status);
        QVERIFY2(status.out.trimmed().endsWith(QLatin1String("deployment \"rollout-status\" successfully rolled out")), qPrintable(status.out));

        // The new ReplicaSet holds all replicas and the old one is scaled to zero, not deleted.
        QStringList sets;
        QVERIFY2(eventually([&] {
                     sets = replicaSetsOf(QStringLiteral("rollout-status"));
                     return sets == QStringList{"nginx:1.0=0/0/", "nginx:2.0=2/2/2"};
                 }),
                 qPrintable(sets.join('\n')));
        QStringList pods;
        QVERIFY(eventually([&] { return (pods = podsOf(QStringLiteral("rollout-status"))).size() == 2; }));
        QString images = jsonpath({QStringLiteral("pods"), QStringLiteral("-l"), QStringLiteral("app=rollout-status")},
                                  QStringLiteral("{.items[*].spec.containers[0].image}"));
        QCOMPARE(images, QStringLiteral("nginx:2.0 nginx:2.0"));
        KUBECTL_OK(kubectl({QStringLiteral("delete"), QStringLiteral("deployment"), QStringLiteral("rollout-status"), QStringLiteral("-n"), kNs,
                            QStringLiteral("--wait=false")}));
    }

    void rolloutHistoryAndUndo()
    {
        const QString name = QStringLiteral("rollout-history");
        const QString ref = QStringLiteral("deployment/") + name;
        QString why;
        QVERIFY2(createDeployment(name, QStringLiteral("nginx:1.0"), 1, &why), qPrintable(why));
        QStringList status{QStringLiteral("rollout"), QStringLiteral("status"), ref, QStringLiteral("-n"), kNs, QStringLiteral("--timeout=120s")};
        KUBECTL_OK(kubectl({QStringLiteral("set"), QStringLiteral("image"), ref, QStringLiteral("nginx=nginx:2.0"), QStringLiteral("-n"), kNs}));
        KUBECTL_OK(kubectl(status, {}, 150000));

        ProcessResult history = kubectl({QStringLiteral("rollout"), QStringLiteral("history"), ref, QStringLiteral("-n"), kNs});
        KUBECTL_OK(history);
        QList<QStringList> rows = tableRows(history.out);
        QVERIFY2(rows.size() == 4, qPrintable(history.out));
        QCOMPARE(rows[0], (QStringList{"deployment.apps/rollout-history"}));
        QCOMPARE(rows[1], (QStringList{"REVISION", "CHANGE-CAUSE"}));
        QCOMPARE(rows[2], (QStringList{"1", "<none>"}));
        QCOMPARE(rows[3].value(0), QStringLiteral("2"));

        ProcessResult revision = kubectl({QStringLiteral("rollout"), QStringLiteral("history"), ref, QStringLiteral("-n"), kNs, QStringLiteral("--revision=1")});
        KUBECTL_OK(revision);
        VERIFY_CONTAINS(revision.out, QStringLiteral("deployment.apps/rollout-history with revision #1"));
        QVERIFY2(QRegularExpression(QStringLiteral("Image:\\s+nginx:1\\.0\\n")).match(revision.out).hasMatch(), qPrintable(revision.out));

        ProcessResult undo = kubectl({QStringLiteral("rollout"), QStringLiteral("undo"), ref, QStringLiteral("-n"), kNs});
        KUBECTL_OK(undo);
        QCOMPARE(undo.out.trimmed(), QStringLiteral("deployment.apps/rollout-history rolled back"));
        ProcessResult undone = kubectl(status, {}, 150000);
        KUBECTL_OK(undone);
        VERIFY_CONTAINS(undone.out, QStringLiteral("successfully rolled out"));
        QCOMPARE(jsonpath({QStringLiteral("deployment"), name}, QStringLiteral("{.spec.template.spec.containers[0].image}")), QStringLiteral("nginx:1.0"));
        QStringList sets;
        QVERIFY2(eventually([&] { return (sets = replicaSetsOf(name)) == QStringList{"nginx:1.0=1/1/1", "nginx:2.0=0/0/"}; }), qPrintable(sets.join('\n')));

        // Rolling back re-labels revision 1 as revision 3: the history lists 2 and 3.
        ProcessResult after = kubectl({QStringLiteral("rollout"), QStringLiteral("history"), ref, QStringLiteral("-n"), kNs});
        KUBECTL_OK(after);
        QList<QStringList> afterRows = tableRows(after.out);
        QVERIFY2(afterRows.size() == 4, qPrintable(after.out));
        QCOMPARE(afterRows[2].value(0), QStringLiteral("2"));
        QCOMPARE(afterRows[3], (QStringList{"3", "<none>"}));

        KUBECTL_OK(kubectl({QStringLiteral("delete"), ref, QStringLiteral("-n"), kNs, QStringLiteral("--wait=false")}));
    }

    void rolloutHistoryShowsChangeCause()
    {
        // The deployment controller copies the Deployment's annotations, kubernetes.io/change-cause
        // among them, onto the ReplicaSet of the current revision; rollout history reads them there.
        const QString name = QStringLiteral("rollout-cause");
        const QString ref = QStringLiteral("deployment/") + name;
        QString why;
        QVERIFY2(createDeployment(name, QStringLiteral("nginx:1.0"), 1, &why), qPrintable(why));
        auto cleanup = qScopeGuard([&] { kubectl({QStringLiteral("delete"), ref, QStringLiteral("-n"), kNs, QStringLiteral("--wait=false")}); });
        KUBECTL_OK(kubectl({QStringLiteral("set"), QStringLiteral("image"), ref, QStringLiteral("nginx=nginx:2.0"), QStringLiteral("-n"), kNs}));
        KUBECTL_OK(kubectl({QStringLiteral("annotate"), ref, QStringLiteral("-n"), kNs, QStringLiteral("kubernetes.io/change-cause=bump to 2.0")}));
        KUBECTL_OK(kubectl({QStringLiteral("rollout"), QStringLiteral("status"), ref, QStringLiteral("-n"), kNs, QStringLiteral("--timeout=120s")}, {}, 150000));
        ProcessResult history;
        bool recorded = eventually([&] {
            history = kubectl({QStringLiteral("rollout"), QStringLiteral("history"), ref, QStringLiteral("-n"), kNs});
            return tableRows(history.out).value(3) == QStringList{"2", "bump", "to", "2.0"};
        }, 10000);
        QVERIFY2(recorded, qPrintable(describe(history)));
        QCOMPARE(tableRows(history.out).value(2), (QStringList{"1", "<none>"}));
    }

    void rolloutRestart()
    {
        const QString name = QStringLiteral("rollout-restart");
        QString why;
        QVERIFY2(createDeployment(name, QStringLiteral("nginx:1.0"), 2, &why), qPrintable(why));
        QStringList before = podsOf(name);
        QCOMPARE(before.size(), 2);

        ProcessResult r = kubectl({QStringLiteral("rollout"), QStringLiteral("restart"), QStringLiteral("deployment/") + name, QStringLiteral("-n"), kNs});
        KUBECTL_OK(r);
        QCOMPARE(r.out.trimmed(), QStringLiteral("deployment.apps/rollout-restart restarted"));
        QString restartedAt = jsonpath({QStringLiteral("deployment"), name},
                                       QStringLiteral("{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}"));
        QVERIFY2(QRegularExpression(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d")).match(restartedAt).hasMatch(), qPrintable(restartedAt));

        ProcessResult status = kubectl({QStringLiteral("rollout"), QStringLiteral("status"), QStringLiteral("deployment/") + name, QStringLiteral("-n"), kNs,
                                        QStringLiteral("--timeout=120s")},
                                       {}, 150000);
        KUBECTL_OK(status);
        QVERIFY2(status.out.trimmed().endsWith(QLatin1String("successfully rolled out")), qPrintable(status.out));

        // Every pod was replaced by a new one from a new ReplicaSet; the image did not change.
        QStringList after;
        QVERIFY2(eventually([&] {
                     after = podsOf(name);
                     return after.size() == 2 && !after.contains(before[0]) && !after.contains(before[1]);
                 }),
                 qPrintable(before.join(' ') + QStringLiteral(" -> ") + after.join(' ')));
        QStringList sets;
        QVERIFY2(eventually([&] { return (sets = replicaSetsOf(name)) == QStringList{"nginx:1.0=0/0/", "nginx:1.0=2/2/2"}; }), qPrintable(sets.join('\n')));
        KUBECTL_OK(kubectl({QStringLiteral("delete"), QStringLiteral("deployment"), name, QStringLiteral("-n"), kNs, QStringLiteral("--wait=false")}));
    }

    void logs()
    {
        QString pod = jsonpath({QStringLiteral("pods"), QStringLiteral("-l"), QStringLiteral("app=api")}, QStringLiteral("{.items[0].metadata.name}"));
        QVERIFY(!pod.isEmpty());
        ProcessResult r = kubectl({QStringLiteral("logs"), pod, QStringLiteral("-n"), kNs});
        KUBECTL_OK(r);
        // The application's startup, from the pod's image and ports.
        QStringList all = lines(r.out);
        QVERIFY2(all.size() >= 3, qPrintable(r.out));
        QCOMPARE(all[0], QStringLiteral("INFO  starting api 2.3 (registry.pilothouse.local/demo/api:2.3)"));
        VERIFY_CONTAINS(r.out, QStringLiteral("INFO  listening on :9090\n"));
        ProcessResult byDeployment = kubectl({QStringLiteral("logs"), QStringLiteral("deployment/api"), QStringLiteral("-n"), kNs});
        KUBECTL_OK(byDeployment);
        // The same log read a moment later: what was written stays as it was, newer lines may follow.
        QVERIFY2(byDeployment.out.startsWith(r.out), qPrintable(r.out + QStringLiteral("\n--- then:\n") + byDeployment.out));

        ProcessResult unknown = kubectl({QStringLiteral("logs"), pod, QStringLiteral("-n"), kNs, QStringLiteral("-c"), QStringLiteral("nope")});
        QVERIFY(unknown.exitCode != 0);
        VERIFY_CONTAINS(unknown.err, QStringLiteral("container nope is not valid for pod ") + pod);
    }

    void logsTail()
    {
        QString pod = jsonpath({QStringLiteral("pods"), QStringLiteral("-l"), QStringLiteral("app=api")}, QStringLiteral("{.items[0].metadata.name}"));
        QVERIFY(!pod.isEmpty());
        // --tail=N is the tailLines parameter: only the last N lines. Timestamps make each line unique.
        ProcessResult tail = kubectl({QStringLiteral("logs"), pod, QStringLiteral("-n"), kNs, QStringLiteral("--tail=2"), QStringLiteral("--timestamps")});
        KUBECTL_OK(tail);
        ProcessResult r = kubectl({QStringLiteral("logs"), pod, QStringLiteral("-n"), kNs, QStringLiteral("--timestamps")});
        KUBECTL_OK(r);
        QStringList last = lines(tail.out), all = lines(r.out);
        QCOMPARE(last.size(), 2);
        QVERIFY2(all.size() >= 3, qPrintable(r.out));  // the startup alone writes three
        // The full read came after: it has the two lines together, after others and followed by
        // at most the few (health checks every 5 s) written in between.
        const qsizetype at = all.indexOf(last[0]);
        QVERIFY2(at > 0 && at + 1 < all.size() && all[at + 1] == last[1], qPrintable(tail.out + QStringLiteral("--- in:\n") + r.out));
        QVERIFY2(all.size() - (at + 2) <= 3, qPrintable(tail.out + QStringLiteral("--- in:\n") + r.out));
    }

    void logsTimestamps()
    {
        QString pod = jsonpath({QStringLiteral("pods"), QStringLiteral("-l"), QStringLiteral("app=api")}, QStringLiteral("{.items[0].metadata.name}"));
        QVERIFY(!pod.isEmpty());
        const QDateTime startedAt = QDateTime::fromString(
            jsonpath({QStringLiteral("pod"), pod}, QStringLiteral("{.status.containerStatuses[0].state.running.startedAt}")), Qt::ISODate);
        QVERIFY(startedAt.isValid());
        ProcessResult plain = kubectl({QStringLiteral("logs"), pod, QStringLiteral("-n"), kNs});
        KUBECTL_OK(plain);
        ProcessResult stamped = kubectl({QStringLiteral("logs"), pod, QStringLiteral("-n"), kNs, QStringLiteral("--timestamps")});
        KUBECTL_OK(stamped);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QStringList text = lines(plain.out), withTime = lines(stamped.out);
        QVERIFY2(withTime.size() >= text.size() && !text.isEmpty(), qPrintable(stamped.out));
        // Each line is "<RFC 3339 with nanoseconds> <line>", in time order, within the container's life.
        QDateTime previous = startedAt;
        for (qsizetype i = 0; i < withTime.size(); ++i) {
            const QDateTime t = logLineTime(withTime[i]);
            QVERIFY2(t.isValid(), qPrintable(withTime[i]));
            QVERIFY2(t >= previous && t <= now, qPrintable(withTime[i]));
            previous = t;
            if (i < text.size())
                QCOMPARE(withTime[i].section(QLatin1Char(' '), 1), text[i]);
        }
    }

    void logsFollow()
    {
        QString pod = jsonpath({QStringLiteral("pods"), QStringLiteral("-l"), QStringLiteral("app=api")}, QStringLiteral("{.items[0].metadata.name}"));
        QVERIFY(!pod.isEmpty());
        // Some traffic, so that access lines arrive several a second (idle, a health check every 5 s).
        QVERIFY(m_sim->control("load", "namespace=demo&deployment=api&rps=4"));
        auto idle = qScopeGuard([&] { m_sim->control("load", "namespace=demo&deployment=api&rps=0"); });
        const QDateTime started = QDateTime::currentDateTimeUtc();
        // --tail=0: nothing of the history, only what is written from now on.
        FollowedLog follow(*m_sim, {QStringLiteral("logs"), QStringLiteral("-f"), pod, QStringLiteral("-n"), kNs, QStringLiteral("--timestamps"),
                                    QStringLiteral("--tail=0")});
        // Two access lines of new requests (health checks may come between) within a few seconds.
        auto requests = [&] { return follow.lines().filter(QStringLiteral(" /api/items")).size(); };
        QVERIFY2(eventually([&] { return requests() >= 2; }, 8000), qPrintable(follow.describe()));
        QVERIFY2(follow.running(), qPrintable(follow.describe()));  // still following
        for (const QString &line : follow.lines()) {
            const QDateTime t = logLineTime(line);
            QVERIFY2(t.isValid() && t >= started.addMSecs(-1), qPrintable(line + QStringLiteral(" (started %1)").arg(started.toString(Qt::ISODateWithMs))));
        }
    }

    void logsFollowEndsWithThePod()
    {
        const QString name = QStringLiteral("logfollow");
        QString why;
        QVERIFY2(createDeployment(name, QStringLiteral("nginx:1.0"), 1, &why), qPrintable(why));
        auto cleanup = qScopeGuard([&] {
            kubectl({QStringLiteral("delete"), QStringLiteral("deployment"), name, QStringLiteral("-n"), kNs, QStringLiteral("--wait=false")});
        });
        QStringList pods = podsOf(name);
        QCOMPARE(pods.size(), 1);
        FollowedLog follow(*m_sim, {QStringLiteral("logs"), QStringLiteral("-f"), pods[0], QStringLiteral("-n"), kNs});
        QVERIFY2(follow.waitForLines(3, 8000), qPrintable(follow.describe()));
        QVERIFY(follow.running());
        KUBECTL_OK(kubectl({QStringLiteral("delete"), QStringLiteral("pod"), pods[0], QStringLiteral("-n"), kNs, QStringLiteral("--wait=false")}));
        // The container stops (SIGTERM, shutdown lines), the pod goes, and the stream ends cleanly.
        QVERIFY2(follow.waitForFinished(15000), qPrintable(follow.describe()));
        QVERIFY2(follow.exitCode() == 0, qPrintable(follow.describe()));
        QStringList got = follow.lines();
        QVERIFY2(got.size() >= 2 && got[got.size() - 2] == QStringLiteral("INFO  received SIGTERM, draining connections") &&
                     got.last() == QStringLiteral("INFO  server stopped"),
                 qPrintable(follow.describe()));
    }

    void logsPreviousOfAContainerThatNeverRestarted()
    {
        QString pod = jsonpath({QStringLiteral("pods"), QStringLiteral("-l"), QStringLiteral("app=api")}, QStringLiteral("{.items[0].metadata.name}"));
        QVERIFY(!pod.isEmpty());
        QCOMPARE(jsonpath({QStringLiteral("pod"), pod}, QStringLiteral("{.status.containerStatuses[0].restartCount}")), QStringLiteral("0"));
        ProcessResult r = kubectl({QStringLiteral("logs"), pod, QStringLiteral("-n"), kNs, QStringLiteral("--previous")});
        QVERIFY2(r.exitCode != 0, qPrintable(describe(r)));
        VERIFY_CONTAINS(r.err, QStringLiteral("Error from server (BadRequest): previous terminated container \"api\" in pod \"%1\" not found").arg(pod));
    }

    void logsSince()
    {
        QString pod = jsonpath({QStringLiteral("pods"), QStringLiteral("-l"), QStringLiteral("app=api")}, QStringLiteral("{.items[0].metadata.name}"));
        QVERIFY(!pod.isEmpty());
        const QDateTime startedAt = QDateTime::fromString(
            jsonpath({QStringLiteral("pod"), pod}, QStringLiteral("{.status.containerStatuses[0].state.running.startedAt}")), Qt::ISODate);
        QVERIFY(startedAt.isValid());
        // The container must have lines older than the window for the test to mean something.
        QTest::qWait(static_cast<int>(std::max<qint64>(0, 15000 - startedAt.msecsTo(QDateTime::currentDateTimeUtc()))));
        const QDateTime before = QDateTime::currentDateTimeUtc();
        ProcessResult since = kubectl({QStringLiteral("logs"), pod, QStringLiteral("-n"), kNs, QStringLiteral("--since=10s"), QStringLiteral("--timestamps")});
        KUBECTL_OK(since);
        ProcessResult r = kubectl({QStringLiteral("logs"), pod, QStringLiteral("-n"), kNs, QStringLiteral("--timestamps")});
        KUBECTL_OK(r);
        QStringList recent = lines(since.out), all = lines(r.out);
        // A health check every 5 s at least.
        QVERIFY2(!recent.isEmpty(), qPrintable(describe(since)));
        for (const QString &line : recent)
            QVERIFY2(logLineTime(line) >= before.addSecs(-10).addMSecs(-1), qPrintable(line));
        QVERIFY2(logLineTime(all.first()) < before.addSecs(-10), qPrintable(r.out));
        // The same lines as the end of the whole log.
        const qsizetype at = all.indexOf(recent.first());
        QVERIFY2(at > 0 && all.mid(at, recent.size()) == recent, qPrintable(since.out + QStringLiteral("--- in:\n") + r.out));
    }

    void getEvents()
    {
        ProcessResult r = kubectl({QStringLiteral("get"), QStringLiteral("events"), QStringLiteral("-n"), kNs, QStringLiteral("--field-selector"),
                                   QStringLiteral("involvedObject.kind=Deployment,involvedObject.name=api")});
        KUBECTL_OK(r);
        QList<QStringList> rows = tableRows(r.out);
        QVERIFY2(rows.size() >= 2, qPrintable(r.out));
        QCOMPARE(rows[0], (QStringList{"LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}));
        for (const QStringList &row : rows.mid(1))
            QCOMPARE(row.value(3), QStringLiteral("deployment/api"));
        QVERIFY2(QRegularExpression(QStringLiteral("\\n\\S+ +Normal +ScalingReplicaSet +deployment/api +Scaled up replica set api-")).match(r.out).hasMatch(),
                 qPrintable(r.out));
    }

    void authCanIAdmin()
    {
        ProcessResult create = kubectl({QStringLiteral("auth"), QStringLiteral("can-i"), QStringLiteral("create"), QStringLiteral("pods"), QStringLiteral("-n"), kNs});
        KUBECTL_OK(create);
        QCOMPARE(create.out.trimmed(), QStringLiteral("yes"));
        ProcessResult secrets = kubectl({QStringLiteral("auth"), QStringLiteral("can-i"), QStringLiteral("get"), QStringLiteral("secrets"), QStringLiteral("-A")});
        KUBECTL_OK(secrets);
        QCOMPARE(secrets.out.trimmed(), QStringLiteral("yes"));
        ProcessResult scale = kubectl({QStringLiteral("auth"), QStringLiteral("can-i"), QStringLiteral("patch"), QStringLiteral("deployments.apps/scale"),
                                       QStringLiteral("-n"), kNs});
        KUBECTL_OK(scale);
        QCOMPARE(scale.out.trimmed(), QStringLiteral("yes"));
    }

    void authCanIViewer()
    {
        // can-i answers "no" with exit code 1, so that scripts can branch on it.
        ProcessResult create = viewer({QStringLiteral("auth"), QStringLiteral("can-i"), QStringLiteral("create"), QStringLiteral("pods")});
        QCOMPARE(create.exitCode, 1);
        QCOMPARE(create.out.trimmed(), QStringLiteral("no"));
        ProcessResult list = viewer({QStringLiteral("auth"), QStringLiteral("can-i"), QStringLiteral("list"), QStringLiteral("pods")});
        KUBECTL_OK(list);
        QCOMPARE(list.out.trimmed(), QStringLiteral("yes"));
        ProcessResult watch = viewer({QStringLiteral("auth"), QStringLiteral("can-i"), QStringLiteral("watch"), QStringLiteral("deployments.apps"),
                                      QStringLiteral("-n"), kNs});
        KUBECTL_OK(watch);
        QCOMPARE(watch.out.trimmed(), QStringLiteral("yes"));
        ProcessResult secrets = viewer({QStringLiteral("auth"), QStringLiteral("can-i"), QStringLiteral("get"), QStringLiteral("secrets"), QStringLiteral("-n"), kNs});
        QCOMPARE(secrets.exitCode, 1);
        QCOMPARE(secrets.out.trimmed(), QStringLiteral("no"));
        ProcessResult del = viewer({QStringLiteral("auth"), QStringLiteral("can-i"), QStringLiteral("delete"), QStringLiteral("deployments"), QStringLiteral("-n"), kNs});
        QCOMPARE(del.exitCode, 1);
        QCOMPARE(del.out.trimmed(), QStringLiteral("no"));
    }

    void authWhoami()
    {
        ProcessResult admin = kubectl({QStringLiteral("auth"), QStringLiteral("whoami")});
        KUBECTL_OK(admin);
        QList<QStringList> rows = tableRows(admin.out);
        QCOMPARE(rows.value(0), (QStringList{"ATTRIBUTE", "VALUE"}));
        QCOMPARE(rowNamed(rows, "Username"), (QStringList{"Username", "sim-admin"}));
        VERIFY_CONTAINS(rowNamed(rows, "Groups").join(' '), QStringLiteral("system:masters"));

        ProcessResult v = viewer({QStringLiteral("auth"), QStringLiteral("whoami"), QStringLiteral("-o"), QStringLiteral("json")});
        KUBECTL_OK(v);
        Json review = Json::parse(v.out.toStdString(), nullptr, false);
        JCOMPARE(review["kind"], "SelfSubjectReview");
        JCOMPARE(review["status"]["userInfo"]["username"], "sim-viewer");
        bool authenticated = false;
        for (const auto &g : review["status"]["userInfo"]["groups"])
            authenticated = authenticated || g == "system:authenticated";
        QVERIFY(authenticated);
    }

    void viewerCanRead()
    {
        ProcessResult pods = viewer({QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), kNs});
        KUBECTL_OK(pods);
        QList<QStringList> rows = tableRows(pods.out);
        QCOMPARE(rows.value(0), (QStringList{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}));
        VERIFY_CONTAINS(pods.out, QStringLiteral("\napi-"));
        VERIFY_CONTAINS(pods.out, QStringLiteral("\nweb-"));

        ProcessResult deploy = viewer({QStringLiteral("get"), QStringLiteral("deployment"), QStringLiteral("web"), QStringLiteral("-n"), kNs,
                                       QStringLiteral("-o"), QStringLiteral("jsonpath={.spec.template.spec.containers[0].name}")});
        KUBECTL_OK(deploy);
        QCOMPARE(deploy.out, QStringLiteral("web"));
        ProcessResult described = viewer({QStringLiteral("describe"), QStringLiteral("deployment"), QStringLiteral("api"), QStringLiteral("-n"), kNs});
        KUBECTL_OK(described);
        VERIFY_CONTAINS(described.out, QStringLiteral("NewReplicaSet:"));
    }

    void viewerIsRefusedWrites_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("message");
        QTest::addColumn<QStringList>("check");  // run as admin afterwards: shows nothing changed
        QTest::addColumn<QString>("unchanged");

        QTest::newRow("delete pod") << QStringList{"delete", "pod", "%POD%", "-n", "demo", "--wait=false"} << QByteArray()
                                    << QStringLiteral("pods \"%POD%\" is forbidden: User \"sim-viewer\" cannot delete resource \"pods\"")
                                    << QStringList{"get", "pod", "%POD%", "-n", "demo", "-o", "jsonpath={.metadata.name}{.metadata.deletionTimestamp}"}
                                    << QStringLiteral("%POD%");
        QTest::newRow("scale") << QStringList{"scale", "deployment/api", "-n", "demo", "--replicas=5"} << QByteArray()
                               << QStringLiteral("deployments.apps \"api\" is forbidden: User \"sim-viewer\" cannot patch resource \"deployments/scale\"")
                               << QStringList{"get", "deployment", "api", "-n", "demo", "-o", "jsonpath={.spec.replicas}"} << QStringLiteral("1");
        QTest::newRow("apply new") << QStringList{"apply", "-f", "-"}
                                   << QByteArray("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: viewer-applied\n  namespace: demo\ndata:\n  a: \"1\"\n")
                                   << QStringLiteral("configmaps is forbidden: User \"sim-viewer\" cannot create resource \"configmaps\"")
                                   << QStringList{"get", "configmap", "viewer-applied", "-n", "demo", "--ignore-not-found", "-o", "name"} << QString();
        QTest::newRow("apply existing")
            << QStringList{"apply", "-f", "-"}
            << QByteArray("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  namespace: demo\ndata:\n  log-level: info\n")
            << QStringLiteral("configmaps \"web-config\" is forbidden: User \"sim-viewer\" cannot patch resource \"configmaps\"")
            << QStringList{"get", "configmap", "web-config", "-n", "demo", "-o", "jsonpath={.data.log-level}"} << QStringLiteral("debug");
    }

    void viewerIsRefusedWrites()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, input);
        QFETCH(QString, message);
        QFETCH(QStringList, check);
        QFETCH(QString, unchanged);
        QString pod = jsonpath({QStringLiteral("pods"), QStringLiteral("-l"), QStringLiteral("app=api")}, QStringLiteral("{.items[0].metadata.name}"));
        QVERIFY(!pod.isEmpty());
        args.replaceInStrings(QStringLiteral("%POD%"), pod);
        check.replaceInStrings(QStringLiteral("%POD%"), pod);
        message.replace(QStringLiteral("%POD%"), pod);
        unchanged.replace(QStringLiteral("%POD%"), pod);

        ProcessResult r = viewer(args, input);
        QVERIFY2(r.exitCode != 0, qPrintable(describe(r)));
        VERIFY_CONTAINS(r.err, QStringLiteral("Error from server (Forbidden)"));
        VERIFY_CONTAINS(r.err, message);

        ProcessResult after = kubectl(check);
        KUBECTL_OK(after);
        QCOMPARE(after.out.trimmed(), unchanged);
    }

    // Argo CD Applications with the real CRD's columns, synced by the simulated controller from a
    // repository given as a file path.
    void getApplications()
    {
        QTemporaryDir dir;
        QString error;
        const QString repo = dir.filePath(QStringLiteral("cfg.git"));
        QVERIFY2(createBareRepository(repo, {{QStringLiteral("apps/cfg/cm.yaml"),
                                              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-git\n  namespace: demo\ndata:\n  k: v\n"}},
                                      &error),
                 qPrintable(error));
        const QByteArray app = QStringLiteral("apiVersion: argoproj.io/v1alpha1\n"
                                              "kind: Application\n"
                                              "metadata:\n  name: cfg\n  namespace: argocd\n"
                                              "spec:\n  project: default\n"
                                              "  source: {repoURL: \"%1\", path: apps/cfg, targetRevision: HEAD}\n"
                                              "  destination: {server: https://kubernetes.default.svc, namespace: demo}\n"
                                              "  syncPolicy: {automated: {prune: true}}\n")
                                   .arg(repo)
                                   .toUtf8();
        ProcessResult applied = kubectl({QStringLiteral("apply"), QStringLiteral("-f"), QStringLiteral("-")}, app);
        KUBECTL_OK(applied);
        QVERIFY(eventually([&] {
            ProcessResult r = kubectl({QStringLiteral("get"), QStringLiteral("applications"), QStringLiteral("-n"), QStringLiteral("argocd")});
            return r.exitCode == 0 && rowNamed(tableRows(r.out), QStringLiteral("cfg")) == QStringList{QStringLiteral("cfg"), QStringLiteral("Synced"), QStringLiteral("Healthy")};
        }, 30000));
        ProcessResult table = kubectl({QStringLiteral("get"), QStringLiteral("applications"), QStringLiteral("-n"), QStringLiteral("argocd")});
        QCOMPARE(tableRows(table.out).first(), (QStringList{QStringLiteral("NAME"), QStringLiteral("SYNC"), QStringLiteral("STATUS"),
                                                          QStringLiteral("HEALTH"), QStringLiteral("STATUS")}));
        const QString head = runGit(repo, {QStringLiteral("rev-parse"), QStringLiteral("main")}).out.trimmed();
        ProcessResult wide = kubectl({QStringLiteral("get"), QStringLiteral("app"), QStringLiteral("cfg"), QStringLiteral("-n"),
                                      QStringLiteral("argocd"), QStringLiteral("-o"), QStringLiteral("wide")});
        KUBECTL_OK(wide);
        QCOMPARE(rowNamed(tableRows(wide.out), QStringLiteral("cfg")),
                 (QStringList{QStringLiteral("cfg"), QStringLiteral("Synced"), QStringLiteral("Healthy"), head, QStringLiteral("default")}));
        ProcessResult cm = kubectl({QStringLiteral("get"), QStringLiteral("configmap"), QStringLiteral("from-git"), QStringLiteral("-n"), kNs,
                                    QStringLiteral("-o"), QStringLiteral("jsonpath={.data.k}")});
        KUBECTL_OK(cm);
        QCOMPARE(cm.out, QStringLiteral("v"));
        ProcessResult projects = kubectl({QStringLiteral("get"), QStringLiteral("appprojects"), QStringLiteral("-n"), QStringLiteral("argocd")});
        KUBECTL_OK(projects);
        QVERIFY(!rowNamed(tableRows(projects.out), QStringLiteral("default")).isEmpty());
        ProcessResult deleted = kubectl({QStringLiteral("delete"), QStringLiteral("application"), QStringLiteral("cfg"), QStringLiteral("-n"), QStringLiteral("argocd")});
        KUBECTL_OK(deleted);
    }

    void argoRollouts()
    {
        // The rollouts scenario in a sim of its own: the CRD's printer columns across namespaces,
        // and the plugin's abort as a merge patch of the status subresource.
        SimProcess sim({QStringLiteral("--pod-start-ms"), QStringLiteral("100"), QStringLiteral("--pod-ready-ms"), QStringLiteral("100"),
                        QStringLiteral("--pod-stop-ms"), QStringLiteral("100")},
                       sourceDir() + QStringLiteral("/tests/data/scenarios/rollouts.yaml"));
        QString error;
        QVERIFY2(sim.start(&error), qPrintable(error));
        ProcessResult r;
        QList<QStringList> rows;
        QVERIFY2(eventually([&] {
                     r = runKubectl(sim, {QStringLiteral("get"), QStringLiteral("rollouts.argoproj.io"), QStringLiteral("-A")});
                     rows = tableRows(r.out);
                     return r.exitCode == 0 && rowNamed(rows, QStringLiteral("storefront"), 1).mid(0, 6) ==
                                                   QStringList{"shop", "storefront", "2", "2", "2", "2"} &&
                            rowNamed(rows, QStringLiteral("menu"), 1).mid(0, 6) == QStringList{"cafe", "menu", "2", "2", "2", "2"};
                 }, 30000),
                 qPrintable(describe(r)));
        QCOMPARE(rows[0], (QStringList{"NAMESPACE", "NAME", "DESIRED", "CURRENT", "UP-TO-DATE", "AVAILABLE", "AGE"}));
        QCOMPARE(rowNamed(rows, QStringLiteral("storefront"), 1).size(), 7);

        // A new version waits as preview; the plugin's abort goes to /status.
        ProcessResult set = runKubectl(sim, {QStringLiteral("patch"), QStringLiteral("rollout"), QStringLiteral("storefront"), QStringLiteral("-n"),
                                             QStringLiteral("shop"), QStringLiteral("--type=json"), QStringLiteral("-p"),
                                             QStringLiteral(R"([{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"registry.pilothouse.dev/shop/storefront:170"}])")});
        KUBECTL_OK(set);
        auto field = [&](const QString &path) {
            ProcessResult g = runKubectl(sim, {QStringLiteral("get"), QStringLiteral("rollout"), QStringLiteral("storefront"), QStringLiteral("-n"),
                                               QStringLiteral("shop"), QStringLiteral("-o"), QStringLiteral("jsonpath=") + path});
            return g.exitCode == 0 ? g.out.trimmed() : QString();
        };
        QString last;
        QVERIFY2(eventually([&] { return (last = field(QStringLiteral("{.status.phase}/{.status.message}"))) == QStringLiteral("Paused/BlueGreenPause"); }, 30000),
                 qPrintable(last));
        const QString stable = field(QStringLiteral("{.status.stableRS}"));
        ProcessResult abort = runKubectl(sim, {QStringLiteral("patch"), QStringLiteral("rollout"), QStringLiteral("storefront"), QStringLiteral("-n"),
                                               QStringLiteral("shop"), QStringLiteral("--subresource=status"), QStringLiteral("--type=merge"),
                                               QStringLiteral("-p"), QStringLiteral(R"({"status":{"abort":true}})")});
        KUBECTL_OK(abort);
        VERIFY_CONTAINS(abort.out, QStringLiteral("rollout.argoproj.io/storefront patched"));
        QVERIFY2(eventually([&] { return (last = field(QStringLiteral("{.status.abort}/{.status.phase}"))) == QStringLiteral("true/Degraded"); }, 15000),
                 qPrintable(last));
        VERIFY_CONTAINS(field(QStringLiteral("{.status.message}")), QStringLiteral("RolloutAborted: Rollout aborted update to revision 2"));
        ProcessResult svc = runKubectl(sim, {QStringLiteral("get"), QStringLiteral("service"), QStringLiteral("storefront"), QStringLiteral("-n"),
                                             QStringLiteral("shop"), QStringLiteral("-o"), QStringLiteral("jsonpath={.spec.selector.rollouts-pod-template-hash}")});
        KUBECTL_OK(svc);
        QCOMPARE(svc.out.trimmed(), stable);

        // The analysis resources print as the CRDs do.
        ProcessResult analysis = runKubectl(sim, {QStringLiteral("get"), QStringLiteral("analysistemplates.argoproj.io,analysisruns.argoproj.io"),
                                                  QStringLiteral("-n"), QStringLiteral("cafe")});
        KUBECTL_OK(analysis);
        VERIFY_CONTAINS(analysis.out, QStringLiteral("analysistemplate.argoproj.io/success-rate"));
    }

    void viewerCannotReadSecrets()
    {
        ProcessResult list = viewer({QStringLiteral("get"), QStringLiteral("secrets"), QStringLiteral("-n"), kNs});
        QVERIFY2(list.exitCode != 0, qPrintable(describe(list)));
        VERIFY_CONTAINS(list.err, QStringLiteral("Error from server (Forbidden): secrets is forbidden: User \"sim-viewer\" cannot list resource \"secrets\""));
        QVERIFY(!list.out.contains(QLatin1String("api-token")));

        ProcessResult one = viewer({QStringLiteral("get"), QStringLiteral("secret"), QStringLiteral("api-token"), QStringLiteral("-n"), kNs,
                                    QStringLiteral("-o"), QStringLiteral("yaml")});
        QVERIFY(one.exitCode != 0);
        VERIFY_CONTAINS(one.err, QStringLiteral("secrets \"api-token\" is forbidden: User \"sim-viewer\" cannot get resource \"secrets\""));
        QVERIFY(!one.out.contains(QLatin1String("bm90LWEtcmVhbC10b2tlbg==")));

        // The admin reads it, so the refusal is about who asks.
        ProcessResult admin = kubectl({QStringLiteral("get"), QStringLiteral("secret"), QStringLiteral("api-token"), QStringLiteral("-n"), kNs,
                                       QStringLiteral("-o"), QStringLiteral("jsonpath={.data.token}")});
        KUBECTL_OK(admin);
        QCOMPARE(admin.out, QStringLiteral("bm90LWEtcmVhbC10b2tlbg=="));
    }

    // --- StatefulSet, DaemonSet, Job, CronJob and cordon, on the default scenario ---

    void getWorkloadKindsAllNamespaces()
    {
        QVERIFY(world());
        ProcessResult r;
        QList<QStringList> rows;
        QVERIFY2(eventually([&] {
                     r = inWorld({QStringLiteral("get"), QStringLiteral("sts,ds,jobs,cronjobs"), QStringLiteral("-A")});
                     rows = tableRows(r.out);
                     return r.exitCode == 0 && rowNamed(rows, QStringLiteral("statefulset.apps/redis"), 1).value(2) == QLatin1String("3/3") &&
                            rowNamed(rows, QStringLiteral("daemonset.apps/log-shipper"), 1).mid(2, 5) == QStringList{"3", "3", "3", "3", "3"};
                 }, 30000),
                 qPrintable(describe(r)));
        QVERIFY2(rows.contains(QStringList{"NAMESPACE", "NAME", "READY", "AGE"}), qPrintable(r.out));
        QVERIFY2(rows.contains(QStringList{"NAMESPACE", "NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE", "SELECTOR", "AGE"}),
                 qPrintable(r.out));
        QVERIFY2(rows.contains(QStringList{"NAMESPACE", "NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST", "SCHEDULE", "AGE"}), qPrintable(r.out));
        QCOMPARE(rowNamed(rows, QStringLiteral("statefulset.apps/redis"), 1).value(0), QStringLiteral("shop"));
        QCOMPARE(rowNamed(rows, QStringLiteral("daemonset.apps/log-shipper"), 1).value(7), QStringLiteral("kubernetes.io/os=linux"));
        QVERIFY2(QRegularExpression(QStringLiteral("\\bshop +cronjob\\.batch/nightly-report +0 2 \\* \\* \\* +<none> +False +0 +<none> +\\d")).match(r.out).hasMatch(),
                 qPrintable(r.out));
        QVERIFY2(QRegularExpression(QStringLiteral("\\bcafe +cronjob\\.batch/inventory-restock-check +\\*/15 \\* \\* \\* \\* +<none> +False +\\d")).match(r.out).hasMatch(),
                 qPrintable(r.out));

        // The StatefulSet's pods by ordinal, one log shipper per node.
        ProcessResult pods = inWorld({QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), QStringLiteral("shop"), QStringLiteral("-l"),
                                      QStringLiteral("app=redis"), QStringLiteral("-o"), QStringLiteral("jsonpath={.items[*].metadata.name}")});
        KUBECTL_OK(pods);
        QCOMPARE(pods.out.trimmed(), QStringLiteral("redis-0 redis-1 redis-2"));
        ProcessResult shippers = inWorld({QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), QStringLiteral("kube-system"),
                                          QStringLiteral("-l"), QStringLiteral("app=log-shipper"), QStringLiteral("-o"),
                                          QStringLiteral("jsonpath={range .items[*]}{.spec.nodeName}{\"\\n\"}{end}")});
        KUBECTL_OK(shippers);
        QStringList nodes = lines(shippers.out);
        nodes.sort();
        QCOMPARE(nodes, (QStringList{"node-a", "node-b", "node-c"}));
    }

    // --- storage, network policy, quota and RBAC kinds, on the default scenario ---

    void getStorageAndPolicyKindsAllNamespaces()
    {
        QVERIFY(world());
        ProcessResult r;
        QList<QStringList> rows;
        auto boundClaims = [&] {
            int bound = 0;
            for (const char *ord : {"0", "1", "2"})
                if (rowNamed(rows, QStringLiteral("persistentvolumeclaim/data-redis-") + QLatin1String(ord), 1).value(2) == QLatin1String("Bound"))
                    ++bound;
            return bound;
        };
        QVERIFY2(eventually([&] {
                     r = inWorld({QStringLiteral("get"), QStringLiteral("pvc,pv,sc,netpol,quota,limits"), QStringLiteral("-A")});
                     rows = tableRows(r.out);
                     return r.exitCode == 0 && boundClaims() == 3 && r.out.contains(QLatin1String("pods: "));
                 }, 30000),
                 qPrintable(describe(r)));
        // Each kind's header, as the API server's printers name the columns.
        for (const QStringList &header : QList<QStringList>{
                 {"NAMESPACE", "NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"},
                 {"NAMESPACE", "NAME", "CAPACITY", "ACCESS", "MODES", "RECLAIM", "POLICY", "STATUS", "CLAIM", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"},
                 {"NAMESPACE", "NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"},
                 {"NAMESPACE", "NAME", "POD-SELECTOR", "AGE"},
                 {"NAMESPACE", "NAME", "AGE", "REQUEST", "LIMIT"},
                 {"NAMESPACE", "NAME", "CREATED", "AT"}})
            QVERIFY2(rows.contains(header), qPrintable(header.join(QLatin1Char(' ')) + QStringLiteral(" in:\n") + r.out));

        // redis's claims from its volumeClaimTemplates, each bound to a volume of the default class.
        const QStringList claim = rowNamed(rows, QStringLiteral("persistentvolumeclaim/data-redis-0"), 1);
        QCOMPARE(claim.value(0), QStringLiteral("shop"));
        QVERIFY2(claim.value(3).startsWith(QLatin1String("pvc-")), qPrintable(claim.join(QLatin1Char(' '))));
        QCOMPARE(claim.mid(4, 4), (QStringList{"1Gi", "RWO", "standard", "<unset>"}));
        // Cluster-scoped volumes leave the NAMESPACE cell empty: their rows start with the name.
        const QStringList volume = rowNamed(rows, QStringLiteral("persistentvolume/") + claim.value(3));
        QCOMPARE(volume.mid(1, 7), (QStringList{"1Gi", "RWO", "Delete", "Bound", "shop/data-redis-0", "standard", "<unset>"}));
        QCOMPARE(rowNamed(rows, QStringLiteral("storageclass.storage.k8s.io/standard")).mid(1, 5),
                 (QStringList{"(default)", "sim.pilothouse.dev/hostpath", "Delete", "Immediate", "true"}));
        QCOMPARE(rowNamed(rows, QStringLiteral("networkpolicy.networking.k8s.io/cartservice-allow-frontend"), 1).mid(0, 3),
                 (QStringList{"shop", "networkpolicy.networking.k8s.io/cartservice-allow-frontend", "app=cartservice"}));
        QCOMPARE(rowNamed(rows, QStringLiteral("networkpolicy.networking.k8s.io/redis-cart-allow-cartservice"), 1).value(2), QStringLiteral("app=redis-cart"));
        QVERIFY2(QRegularExpression(QStringLiteral("\\bcafe +resourcequota/cafe-quota +\\S+ +persistentvolumeclaims: 0/10, pods: \\d+/40, "
                                                   "requests\\.cpu: \\d+m?/4, requests\\.memory: \\d+[MG]i/8Gi +limits\\.cpu: \\d+m?/8, limits\\.memory: \\d+[MG]i/16Gi"))
                     .match(r.out)
                     .hasMatch(),
                 qPrintable(r.out));
        const QStringList limits = rowNamed(rows, QStringLiteral("limitrange/cafe-container-defaults"), 1);
        QCOMPARE(limits.value(0), QStringLiteral("cafe"));
        QVERIFY2(QDateTime::fromString(limits.value(2), Qt::ISODate).isValid(), qPrintable(limits.join(QLatin1Char(' '))));

        // describe finds the claim's pod and the provisioner's events.
        ProcessResult describePvc = inWorld({QStringLiteral("describe"), QStringLiteral("pvc"), QStringLiteral("data-redis-1"), QStringLiteral("-n"), QStringLiteral("shop")});
        KUBECTL_OK(describePvc);
        QVERIFY2(QRegularExpression(QStringLiteral("Used By: +redis-1")).match(describePvc.out).hasMatch(), qPrintable(describePvc.out));
        VERIFY_CONTAINS(describePvc.out, QStringLiteral("ProvisioningSucceeded"));
    }

    void getRbacKinds()
    {
        QVERIFY(world());
        ProcessResult roles = inWorld({QStringLiteral("get"), QStringLiteral("clusterroles")});
        KUBECTL_OK(roles);
        QList<QStringList> rows = tableRows(roles.out);
        QCOMPARE(rows.value(0), (QStringList{"NAME", "CREATED", "AT"}));
        for (const char *name : {"cluster-admin", "view", "log-shipper"})
            QVERIFY2(!rowNamed(rows, QLatin1String(name)).isEmpty(), qPrintable(roles.out));

        ProcessResult bindings = inWorld({QStringLiteral("get"), QStringLiteral("clusterrolebindings"), QStringLiteral("-o"), QStringLiteral("wide")});
        KUBECTL_OK(bindings);
        rows = tableRows(bindings.out);
        QCOMPARE(rows.value(0), (QStringList{"NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"}));
        QCOMPARE(rowNamed(rows, QStringLiteral("cluster-admin")).value(1), QStringLiteral("ClusterRole/cluster-admin"));
        QCOMPARE(rowNamed(rows, QStringLiteral("cluster-admin")).value(3), QStringLiteral("system:masters"));
        QCOMPARE(rowNamed(rows, QStringLiteral("log-shipper")).value(3), QStringLiteral("kube-system/log-shipper"));

        ProcessResult shop = inWorld({QStringLiteral("get"), QStringLiteral("roles,rolebindings,serviceaccounts"), QStringLiteral("-n"), QStringLiteral("shop")});
        KUBECTL_OK(shop);
        rows = tableRows(shop.out);
        QVERIFY2(!rowNamed(rows, QStringLiteral("role.rbac.authorization.k8s.io/nightly-report")).isEmpty(), qPrintable(shop.out));
        QCOMPARE(rowNamed(rows, QStringLiteral("rolebinding.rbac.authorization.k8s.io/nightly-report")).value(1), QStringLiteral("Role/nightly-report"));
        QVERIFY2(!rowNamed(rows, QStringLiteral("serviceaccount/nightly-report")).isEmpty(), qPrintable(shop.out));
    }

    void rolloutRestartStatefulSet()
    {
        QVERIFY(world());
        const QStringList ns{QStringLiteral("-n"), QStringLiteral("shop")};
        ProcessResult ready = inWorld(QStringList{QStringLiteral("rollout"), QStringLiteral("status"), QStringLiteral("sts/redis"), QStringLiteral("--timeout=60s")} + ns, 90000);
        KUBECTL_OK(ready);
        QString before = inWorld(QStringList{QStringLiteral("get"), QStringLiteral("pod"), QStringLiteral("redis-0"), QStringLiteral("-o"),
                                             QStringLiteral("jsonpath={.metadata.uid}")} + ns).out;

        ProcessResult restart = inWorld(QStringList{QStringLiteral("rollout"), QStringLiteral("restart"), QStringLiteral("sts/redis")} + ns);
        KUBECTL_OK(restart);
        QCOMPARE(restart.out.trimmed(), QStringLiteral("statefulset.apps/redis restarted"));
        ProcessResult status = inWorld(QStringList{QStringLiteral("rollout"), QStringLiteral("status"), QStringLiteral("sts/redis"), QStringLiteral("--timeout=120s")} + ns, 150000);
        KUBECTL_OK(status);
        VERIFY_CONTAINS(status.out, QStringLiteral("partitioned roll out complete: 3 new pods have been updated..."));

        // Every ordinal was replaced (redis-0 last) and the history has both templates.
        QString after = inWorld(QStringList{QStringLiteral("get"), QStringLiteral("pod"), QStringLiteral("redis-0"), QStringLiteral("-o"),
                                            QStringLiteral("jsonpath={.metadata.uid}")} + ns).out;
        QVERIFY2(!before.isEmpty() && after != before, qPrintable(before + QStringLiteral(" -> ") + after));
        ProcessResult history = inWorld(QStringList{QStringLiteral("rollout"), QStringLiteral("history"), QStringLiteral("sts/redis")} + ns);
        KUBECTL_OK(history);
        QList<QStringList> rows = tableRows(history.out);
        QVERIFY2(rowNamed(rows, QStringLiteral("1")).size() >= 1 && rowNamed(rows, QStringLiteral("2")).size() >= 1, qPrintable(history.out));
    }

    void rolloutRestartDaemonSet()
    {
        QVERIFY(world());
        const QStringList ns{QStringLiteral("-n"), QStringLiteral("kube-system")};
        ProcessResult restart = inWorld(QStringList{QStringLiteral("rollout"), QStringLiteral("restart"), QStringLiteral("ds/log-shipper")} + ns);
        KUBECTL_OK(restart);
        QCOMPARE(restart.out.trimmed(), QStringLiteral("daemonset.apps/log-shipper restarted"));
        ProcessResult status = inWorld(QStringList{QStringLiteral("rollout"), QStringLiteral("status"), QStringLiteral("ds/log-shipper"),
                                                   QStringLiteral("--timeout=120s")} + ns, 150000);
        KUBECTL_OK(status);
        VERIFY_CONTAINS(status.out, QStringLiteral("daemon set \"log-shipper\" successfully rolled out"));
    }

    void createJobFromCronJob()
    {
        QVERIFY(world());
        const QStringList ns{QStringLiteral("-n"), QStringLiteral("shop")};
        ProcessResult created = inWorld(QStringList{QStringLiteral("create"), QStringLiteral("job"), QStringLiteral("manual-1"),
                                                    QStringLiteral("--from=cronjob/nightly-report")} + ns);
        KUBECTL_OK(created);
        QCOMPARE(created.out.trimmed(), QStringLiteral("job.batch/manual-1 created"));
        ProcessResult wait = inWorld(QStringList{QStringLiteral("wait"), QStringLiteral("--for=condition=complete"), QStringLiteral("job/manual-1"),
                                                 QStringLiteral("--timeout=60s")} + ns, 90000);
        KUBECTL_OK(wait);
        QCOMPARE(wait.out.trimmed(), QStringLiteral("job.batch/manual-1 condition met"));

        ProcessResult get = inWorld(QStringList{QStringLiteral("get"), QStringLiteral("job"), QStringLiteral("manual-1")} + ns);
        KUBECTL_OK(get);
        QCOMPARE(tableRows(get.out).value(0), (QStringList{"NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"}));
        QCOMPARE(tableRows(get.out).value(1).mid(0, 3), (QStringList{"manual-1", "Complete", "1/1"}));
        ProcessResult owner = inWorld(QStringList{QStringLiteral("get"), QStringLiteral("job"), QStringLiteral("manual-1"), QStringLiteral("-o"),
                                                  QStringLiteral("jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} "
                                                                 "{.metadata.annotations.cronjob\\.kubernetes\\.io/instantiate}")} + ns);
        KUBECTL_OK(owner);
        QCOMPARE(owner.out.trimmed(), QStringLiteral("CronJob/nightly-report manual"));
        ProcessResult pods = inWorld(QStringList{QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-l"), QStringLiteral("job-name=manual-1")} + ns);
        KUBECTL_OK(pods);
        QCOMPARE(tableRows(pods.out).value(1).value(2), QStringLiteral("Completed"));
    }

    void cordonAndUncordon()
    {
        QVERIFY(world());
        ProcessResult cordon = inWorld({QStringLiteral("cordon"), QStringLiteral("node-b")});
        KUBECTL_OK(cordon);
        QCOMPARE(cordon.out.trimmed(), QStringLiteral("node/node-b cordoned"));
        ProcessResult node = inWorld({QStringLiteral("get"), QStringLiteral("node"), QStringLiteral("node-b")});
        KUBECTL_OK(node);
        QCOMPARE(tableRows(node.out).value(1).value(1), QStringLiteral("Ready,SchedulingDisabled"));

        // New pods avoid the cordoned node.
        const QStringList ns{QStringLiteral("-n"), QStringLiteral("default")};
        KUBECTL_OK(inWorld(QStringList{QStringLiteral("create"), QStringLiteral("deployment"), QStringLiteral("cordon-check"),
                                       QStringLiteral("--image=nginx:1.27"), QStringLiteral("--replicas=4")} + ns));
        KUBECTL_OK(inWorld(QStringList{QStringLiteral("rollout"), QStringLiteral("status"), QStringLiteral("deployment/cordon-check"),
                                       QStringLiteral("--timeout=60s")} + ns, 90000));
        ProcessResult placed = inWorld(QStringList{QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-l"), QStringLiteral("app=cordon-check"),
                                                   QStringLiteral("-o"), QStringLiteral("jsonpath={.items[*].spec.nodeName}")} + ns);
        KUBECTL_OK(placed);
        QStringList nodes = placed.out.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        QCOMPARE(nodes.size(), 4);
        QVERIFY2(!nodes.contains(QStringLiteral("node-b")), qPrintable(placed.out));

        ProcessResult uncordon = inWorld({QStringLiteral("uncordon"), QStringLiteral("node-b")});
        KUBECTL_OK(uncordon);
        QCOMPARE(uncordon.out.trimmed(), QStringLiteral("node/node-b uncordoned"));
        node = inWorld({QStringLiteral("get"), QStringLiteral("node"), QStringLiteral("node-b")});
        QCOMPARE(tableRows(node.out).value(1).value(1), QStringLiteral("Ready"));
        KUBECTL_OK(inWorld(QStringList{QStringLiteral("delete"), QStringLiteral("deployment"), QStringLiteral("cordon-check"), QStringLiteral("--wait=false")} + ns));
    }
};

QTEST_GUILESS_MAIN(TestKubectl)
#include "tst_kubectl.moc"

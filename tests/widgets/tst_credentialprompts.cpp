// Widget test (offscreen): what the operator is asked before credentials are used. The exec
// approval shows the program, each argument apart and the environment exactly as the approval
// fingerprint pins them, and a changed environment asks again and shows the change. An opened
// kubeconfig whose files lie outside its folder lists them and connects only when accepted.
#include "connectedwindow.h"
#include "kube/auth/credentials.h"
#include "kube/auth/kubeconfig.h"
#include "kube/session/kubesession.h"
#include "shell/execapprovaldialog.h"
#include "shell/kubeconfigimportdialog.h"
#include "shell/mainwindow.h"
#include "simprocess.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QListWidget>
#include <QPushButton>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <curl/curl.h>

#include <algorithm>

using namespace pilothouse;
using namespace pilothouse::testsupport;
using backends::kube::ExecApprovalStore;
using backends::kube::ExecConfig;
using backends::kube::KubeSession;

namespace {

void writeText(const QString &path, const QByteArray &text)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    file.write(text);
}

// A kubeconfig whose only user runs token.sh with `env` (indented YAML list items). Nothing
// listens on its server: these tests are about what happens before a connection.
QByteArray execKubeconfig(const QByteArray &env)
{
    return "apiVersion: v1\nkind: Config\ncurrent-context: prod\n"
           "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:9\n"
           "users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
           "      command: " + (sourceDir() + QStringLiteral("/tests/data/exec/token.sh")).toUtf8() + "\n"
           "      args:\n      - get-token\n      - --cluster\n      - prod eu\n"
           "      env:\n" + env +
           "contexts:\n- name: prod\n  context:\n    cluster: c\n    user: u\n";
}

}  // namespace

class TestCredentialPrompts : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() { curl_global_init(CURL_GLOBAL_DEFAULT); }

    void approvalShowsWhatIsFingerprinted()
    {
        ExecConfig exec;
        exec.apiVersion = QStringLiteral("client.authentication.k8s.io/v1");
        exec.command = QStringLiteral("/usr/local/bin/aws");
        // Arguments that a space-joined line would make ambiguous: "a b" against "a" "b", an empty one.
        exec.args = {QStringLiteral("eks"), QStringLiteral("get-token"), QStringLiteral("--cluster-name"), QStringLiteral("prod eu"), QString()};
        exec.env = {{QStringLiteral("AWS_PROFILE"), QStringLiteral("prod")}, {QStringLiteral("LD_PRELOAD"), QStringLiteral("/tmp/x.so")}};
        exec.installHint = QStringLiteral("not part of what runs");
        widgets::shell::ExecApprovalDialog dialog(QStringLiteral("prod"), exec);

        const QJsonArray fields = ExecApprovalStore::fingerprintFields(exec);
        QCOMPARE(fields.size(), 5);
        QCOMPARE(dialog.shownApiVersion(), fields.at(1).toString());
        QCOMPARE(dialog.shownProgram(), fields.at(2).toString());
        QStringList args;
        for (const QJsonValue &arg : fields.at(3).toArray())
            args << arg.toString();
        QCOMPARE(dialog.shownArguments(), args);
        QList<QPair<QString, QString>> env;
        for (const QJsonValue &entry : fields.at(4).toArray())
            env.append({entry.toArray().at(0).toString(), entry.toArray().at(1).toString()});
        QCOMPARE(dialog.shownEnvironment(), env);
        // Each argument on its own row, in the widgets the operator reads.
        QCOMPARE(dialog.findChild<QListWidget *>(QStringLiteral("execArguments"))->count(), 5);
        QCOMPARE(dialog.findChild<QListWidget *>(QStringLiteral("execArguments"))->item(3)->text(), QStringLiteral("prod eu"));
        QCOMPARE(dialog.findChild<QTableWidget *>(QStringLiteral("execEnvironment"))->rowCount(), 2);
        QCOMPARE(dialog.findChild<QTableWidget *>(QStringLiteral("execEnvironment"))->item(1, 1)->text(), QStringLiteral("/tmp/x.so"));
        // Enter does not approve.
        QVERIFY(!dialog.allowButton()->isDefault());
    }

    void changedEnvironmentAsksAgainAndShowsIt()
    {
        ConnectedWindow console;
        const QString kubeconfig = m_dir.filePath(QStringLiteral("exec/config"));
        writeText(kubeconfig, execKubeconfig("      - name: AWS_PROFILE\n        value: prod\n"));
        QList<QList<QPair<QString, QString>>> asked;
        QList<QStringList> askedArgs;
        bool answer = true;
        console.engine = std::make_unique<backends::http::HttpEngine>();
        auto approvals = std::make_shared<ExecApprovalStore>(console.dir.filePath(QStringLiteral("approvals.json")));
        console.session = std::make_unique<KubeSession>(console.engine.get(), approvals);
        console.window = console.shell.makeWindow(kubeconfig);
        console.window->attachSession(console.session.get());
        console.window->setExecApprovalHandler([&](widgets::shell::ExecApprovalDialog *dialog) {
            asked.append(dialog->shownEnvironment());
            askedArgs.append(dialog->shownArguments());
            return answer;
        });
        auto connect = [&](const QByteArray &yaml) {
            writeText(kubeconfig, yaml);
            auto config = backends::kube::Kubeconfig::load({kubeconfig});
            QVERIFY2(config.ok(), qPrintable(config.error().message));
            console.window->showKubeconfig(config.value(), {});
        };

        connect(execKubeconfig("      - name: AWS_PROFILE\n        value: prod\n"));
        QCOMPARE(asked.size(), 1);
        QCOMPARE(asked.last(), (QList<QPair<QString, QString>>{{QStringLiteral("AWS_PROFILE"), QStringLiteral("prod")}}));
        QCOMPARE(askedArgs.last(), (QStringList{QStringLiteral("get-token"), QStringLiteral("--cluster"), QStringLiteral("prod eu")}));
        QVERIFY(console.session->state() != KubeSession::ConnectionState::Error);  // approved: connecting

        // The same stanza again: remembered, not asked.
        connect(execKubeconfig("      - name: AWS_PROFILE\n        value: prod\n"));
        QCOMPARE(asked.size(), 1);

        // An environment entry added: asked again, and the dialog shows it.
        answer = false;
        connect(execKubeconfig("      - name: AWS_PROFILE\n        value: prod\n      - name: LD_PRELOAD\n        value: /tmp/evil.so\n"));
        QCOMPARE(asked.size(), 2);
        QVERIFY(asked.last().contains(QPair<QString, QString>(QStringLiteral("LD_PRELOAD"), QStringLiteral("/tmp/evil.so"))));
        // Refused: nothing runs, the session waits for an approval.
        QCOMPARE(console.session->state(), KubeSession::ConnectionState::Error);
        QVERIFY2(console.session->stateDetail().contains(QStringLiteral("approval")), qPrintable(console.session->stateDetail()));

        // A changed value of an approved name: asked again too.
        connect(execKubeconfig("      - name: AWS_PROFILE\n        value: staging\n"));
        QCOMPARE(asked.size(), 3);
        QCOMPARE(asked.last(), (QList<QPair<QString, QString>>{{QStringLiteral("AWS_PROFILE"), QStringLiteral("staging")}}));
    }

    void importedKubeconfigListsOutsideFilesBeforeConnecting()
    {
        ConnectedWindow console;
        console.engine = std::make_unique<backends::http::HttpEngine>();
        auto approvals = std::make_shared<ExecApprovalStore>(console.dir.filePath(QStringLiteral("approvals.json")));
        console.session = std::make_unique<KubeSession>(console.engine.get(), approvals);
        console.window = console.shell.makeWindow({});
        console.window->attachSession(console.session.get());
        QStringList shown;
        int asked = 0;
        bool answer = false;
        console.window->setImportConfirmHandler([&](widgets::shell::KubeconfigImportDialog *dialog) {
            ++asked;
            shown = dialog->shownPaths();
            return answer;
        });

        const QString outside = m_dir.filePath(QStringLiteral("elsewhere/token"));
        writeText(outside, "a-token\n");
        const QString imported = m_dir.filePath(QStringLiteral("downloads/team.yaml"));
        writeText(imported, "apiVersion: v1\nkind: Config\ncurrent-context: team\n"
                            "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:9\n    certificate-authority: /etc/passwd\n"
                            "users:\n- name: u\n  user:\n    tokenFile: ../elsewhere/token\n"
                            "contexts:\n- name: team\n  context:\n    cluster: c\n    user: u\n");

        // Declined: not connected, and the welcome page says why.
        console.window->openImportedKubeconfig(imported);
        QCOMPARE(asked, 1);
        QStringList expected{QStringLiteral("/etc/passwd"), QDir::cleanPath(outside)};
        std::sort(shown.begin(), shown.end());
        std::sort(expected.begin(), expected.end());
        QCOMPARE(shown, expected);
        QVERIFY(console.session->contextName().isEmpty());
        QCOMPARE(console.session->state(), KubeSession::ConnectionState::Disconnected);

        // Accepted: it connects.
        answer = true;
        console.window->openImportedKubeconfig(imported);
        QCOMPARE(asked, 2);
        QCOMPARE(console.session->contextName(), QStringLiteral("team"));

        // A kubeconfig whose files are all beside it connects without a question.
        const QString tidy = m_dir.filePath(QStringLiteral("tidy/config"));
        writeText(m_dir.filePath(QStringLiteral("tidy/token")), "b-token\n");
        writeText(tidy, "apiVersion: v1\nkind: Config\ncurrent-context: tidy\n"
                        "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:9\n"
                        "users:\n- name: u\n  user:\n    tokenFile: token\n"
                        "contexts:\n- name: tidy\n  context:\n    cluster: c\n    user: u\n");
        console.window->openImportedKubeconfig(tidy);
        QCOMPARE(asked, 2);
        QCOMPARE(console.session->contextName(), QStringLiteral("tidy"));
    }
};

QTEST_MAIN(TestCredentialPrompts)
#include "tst_credentialprompts.moc"

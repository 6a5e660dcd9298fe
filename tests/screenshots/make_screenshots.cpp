// Drives the console against pilothouse-sim (default scenario) and saves the screenshots in
// docs/screenshots: the resource browser with its detail pane, a YAML edit's diff, merged logs,
// and the scaling view in the middle of a scale-up. Run under a display server, e.g.
//   xvfb-run -a -s "-screen 0 1600x1000x24" build/tests/screenshots/make_screenshots docs/screenshots
// Not a test: it asserts nothing; a person looks at what it saves.
#include "actions/auditlog.h"
#include "detailpane.h"
#include "http/httpengine.h"
#include "kube/credentials.h"
#include "kube/kubeconfig.h"
#include "kube/kubesession.h"
#include "diffdialog.h"
#include "logview.h"
#include "mainwindow.h"
#include "objecttablemodel.h"
#include "scalingview.h"
#include "connectedwindow.h"
#include "simprocess.h"

#include <QApplication>
#include <QDir>
#include <QRegularExpression>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <curl/curl.h>
#include <csignal>
#include <cstdio>

using namespace pilothouse;
using namespace pilothouse::testsupport;

namespace {

bool save(QWidget *w, const QString &path)
{
    QApplication::processEvents();
    const bool ok = w->grab().save(path);
    std::printf("%s %s\n", ok ? "saved" : "FAILED to save", qPrintable(path));
    return ok;
}

void wait(int ms) { QTest::qWait(ms); }

template<class F>
void waitFor(F predicate, int ms, const char *what)
{
    if (!QTest::qWaitFor(predicate, ms))
        std::fprintf(stderr, "make_screenshots: gave up waiting for %s\n", what);
}

}  // namespace

int main(int argc, char **argv)
{
    std::signal(SIGPIPE, SIG_IGN);
    if (qEnvironmentVariableIsEmpty("PILOTHOUSE_SIM"))
        qputenv("PILOTHOUSE_SIM", PILOTHOUSE_SIM_PATH);
    if (qEnvironmentVariableIsEmpty("PILOTHOUSE_SOURCE_DIR"))
        qputenv("PILOTHOUSE_SOURCE_DIR", PILOTHOUSE_SOURCE);
    QApplication app(argc, argv);
    QApplication::setStyle(QStringLiteral("Fusion"));
    const QString out = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("docs/screenshots");
    QDir().mkpath(out);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    SimProcess sim({QStringLiteral("--time-scale"), QStringLiteral("10")}, sourceDir() + QStringLiteral("/resources/scenarios/default.yaml"));
    QString error;
    if (!sim.start(&error)) {
        std::fprintf(stderr, "make_screenshots: %s\n", qPrintable(error));
        return 1;
    }
    ConnectedWindow console;
    if (!console.open(sim.kubeconfigPath(), &error)) {
        std::fprintf(stderr, "make_screenshots: %s\n", qPrintable(error));
        return 1;
    }
    widgets::MainWindow &window = *console.window;
    window.resize(1500, 920);
    waitFor([&] { return window.deploymentModel()->rowOf(QStringLiteral("shop/frontend")) >= 0; }, 20000, "the deployments");
    wait(8000);  // the scenario's pods ready

    // 1. The browser: deployments of two namespaces, frontend selected, its overview.
    window.selectNamespaces({QStringLiteral("shop"), QStringLiteral("cafe")});
    window.jumpToKind(QStringLiteral("deploy"));
    auto *view = window.findChild<QTableView *>(QStringLiteral("deploymentView"));
    auto *proxy = qobject_cast<QSortFilterProxyModel *>(view->model());
    for (int r = 0; r < proxy->rowCount(); ++r)
        if (proxy->data(proxy->index(r, 0)).toString() == QLatin1String("frontend"))
            view->setCurrentIndex(proxy->index(r, 0));
    wait(1500);
    save(&window, out + QStringLiteral("/browser.png"));
    window.detailPane()->tabs()->setCurrentIndex(2);
    wait(800);
    save(&window, out + QStringLiteral("/browser-related.png"));

    // 2. A YAML edit of frontend and the diff shown before it is sent (declined here).
    window.detailPane()->tabs()->setCurrentIndex(3);
    window.detailPane()->startEdit();
    QString text = window.detailPane()->yamlEdit()->toPlainText();
    text.replace(QRegularExpression(QStringLiteral("image: (\\S+):[^\\s]+")), QStringLiteral("image: \\1:v1.4.0"));
    text.replace(QRegularExpression(QStringLiteral("\n  replicas: \\d+\n")), QStringLiteral("\n  replicas: 2\n"));
    window.detailPane()->yamlEdit()->setPlainText(text);
    QString summary, diff;
    window.detailPane()->setApplyConfirmHandler([&](const QString &s, const QString &d) { summary = s; diff = d; return false; });
    window.detailPane()->reviewAndApply();
    waitFor([&] { return !diff.isEmpty(); }, 5000, "the diff");
    {
        widgets::DiffDialog dialog(summary, diff, &window);
        dialog.show();
        wait(500);
        save(&dialog, out + QStringLiteral("/yaml-diff.png"));
    }
    window.detailPane()->cancelEdit();

    // 3. The scaling view of frontend: quiet first, then a load wave; saved while the HPA scales it up.
    widgets::ScalingView *scaling = window.openScalingView(QStringLiteral("shop"), QStringLiteral("frontend"));
    scaling->setTimeWindowSeconds(120);
    wait(45000);
    sim.control("load", "namespace=shop&deployment=frontend&rps=80");
    waitFor([&] {
        const auto &s = scaling->series().samples();
        return !s.empty() && s.back().desired >= 3 && s.back().ready < s.back().desired;
    }, 90000, "a scale-up in progress");
    wait(1500);
    save(&window, out + QStringLiteral("/scaling.png"));

    // 4. Merged logs of frontend's pods under that load.
    const auto frontend = window.deploymentModel()->objectAt(window.deploymentModel()->rowOf(QStringLiteral("shop/frontend")));
    widgets::LogView *logs = window.openLogs(frontend, true);
    wait(15000);  // each pod's tail arrives as a block; live lines interleave after it
    if (logs)
        save(&window, out + QStringLiteral("/logs.png"));
    return 0;
}

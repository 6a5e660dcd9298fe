// A Jenkins job's runs × stages: as many runs as the operator scrolls through (Stage View shows
// ten), rows first and their stage cells as they are described, the rows on screen before others,
// with the average stage times in the header.
#pragma once

#include <QStringList>
#include <QWidget>

class QLabel;
class QTableView;
class QTimer;

namespace pilothouse::backends::jenkins {
class JenkinsClient;
class JobRunsLoader;
}  // namespace pilothouse::backends::jenkins

namespace pilothouse::models {
class RunMatrixModel;
}

namespace pilothouse::widgets {

class RunMatrixDelegate;

class RunMatrixView : public QWidget {
    Q_OBJECT

public:
    explicit RunMatrixView(backends::jenkins::JenkinsClient *client, QWidget *parent = nullptr);
    ~RunMatrixView() override;

    void setJob(const QStringList &job);
    QStringList job() const { return m_job; }
    // Reads again what may have changed: new builds, the running ones, failed descriptions.
    void refresh();

    // For tests and the benchmark.
    QTableView *table() const { return m_table; }
    models::RunMatrixModel *model() const { return m_model; }
    backends::jenkins::JobRunsLoader *loader() const { return m_loader; }
    // The first and last rows on screen (-1, -1 when none).
    std::pair<int, int> visibleRows() const;
    bool animating() const;
    QString message() const;

Q_SIGNALS:
    void runActivated(const QStringList &job, int number);  // double-click or Enter
    void runSelected(const QStringList &job, int number);   // the current row changed; 0 when none

private:
    void updateVisibleRows();
    void animate();

    QStringList m_job;
    backends::jenkins::JobRunsLoader *m_loader;
    models::RunMatrixModel *m_model;
    QTableView *m_table;
    RunMatrixDelegate *m_delegate;
    QLabel *m_message;
    QTimer *m_visibleTimer;
    QTimer *m_animation;
};

}  // namespace pilothouse::widgets

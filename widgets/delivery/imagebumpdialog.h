// The input for "Bump image…": a manifest file of the repository, one of its containers (read
// from the file at the branch head), and the new tag.
#pragma once

#include "gitops/gitopsclient.h"

#include <QDialog>

#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace pilothouse::widgets {

struct BumpRequest {
    QString path;
    backends::gitops::ImageSelector selector;
    QString tag;
};

class ImageBumpDialog : public QDialog {
    Q_OBJECT

public:
    ImageBumpDialog(backends::gitops::GitOpsClient *client, const QStringList &manifests, QWidget *parent = nullptr);

    // What is chosen now; nullopt while no container is chosen or the tag is not valid.
    std::optional<BumpRequest> request() const;

    QComboBox *manifestBox() const { return m_manifest; }
    QComboBox *containerBox() const { return m_container; }
    QLineEdit *tagEdit() const { return m_tag; }
    QString messageText() const;

private:
    void loadImages();
    void onImagesLoaded(const QString &path, const backends::Result<QList<backends::gitops::ContainerImage>> &images);
    void update();

    backends::gitops::GitOpsClient *m_client;
    QComboBox *m_manifest = nullptr;
    QComboBox *m_container = nullptr;
    QLineEdit *m_tag = nullptr;
    QLabel *m_message = nullptr;
    QPushButton *m_ok = nullptr;
    QList<backends::gitops::ContainerImage> m_images;
};

}  // namespace pilothouse::widgets

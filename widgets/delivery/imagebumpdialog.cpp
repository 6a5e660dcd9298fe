// Containers load when a manifest is chosen; OK is enabled only for a container and a valid tag.
#include "delivery/imagebumpdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace pilothouse::widgets {

using namespace backends::gitops;

ImageBumpDialog::ImageBumpDialog(GitOpsClient *client, const QStringList &manifests, QWidget *parent)
    : QDialog(parent), m_client(client)
{
    setObjectName(QStringLiteral("imageBumpDialog"));
    setWindowTitle(tr("Bump image"));
    m_manifest = new QComboBox(this);
    m_manifest->setObjectName(QStringLiteral("bumpManifest"));
    m_manifest->addItems(manifests);
    m_container = new QComboBox(this);
    m_container->setObjectName(QStringLiteral("bumpContainer"));
    m_tag = new QLineEdit(this);
    m_tag->setObjectName(QStringLiteral("bumpTag"));
    m_tag->setPlaceholderText(tr("new tag, e.g. 170"));
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("bumpMessage"));
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::PlainText);

    auto *form = new QFormLayout;
    form->addRow(tr("Manifest"), m_manifest);
    form->addRow(tr("Container"), m_container);
    form->addRow(tr("New tag"), m_tag);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setText(tr("Show the change…"));
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_message);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_manifest, &QComboBox::currentIndexChanged, this, &ImageBumpDialog::loadImages);
    connect(m_container, &QComboBox::currentIndexChanged, this, [this] {
        // Suggest the current tag, so that typing the next one is a small edit.
        const int i = m_container->currentIndex();
        if (i >= 0 && i < m_images.size() && m_tag->text().isEmpty())
            m_tag->setText(ImageRef::parse(m_images.at(i).image).tag);
        update();
    });
    connect(m_tag, &QLineEdit::textChanged, this, &ImageBumpDialog::update);
    connect(m_client, &GitOpsClient::imagesLoaded, this, &ImageBumpDialog::onImagesLoaded);
    loadImages();
}

QString ImageBumpDialog::messageText() const { return m_message->text(); }

void ImageBumpDialog::loadImages()
{
    m_images.clear();
    m_container->clear();
    if (m_manifest->currentText().isEmpty()) {
        m_message->setText(tr("The repository has no manifest files."));
    } else {
        m_message->setText(tr("Reading %1…").arg(m_manifest->currentText()));
        m_client->loadImages(m_manifest->currentText());
    }
    update();
}

void ImageBumpDialog::onImagesLoaded(const QString &path, const backends::Result<QList<ContainerImage>> &images)
{
    if (path != m_manifest->currentText())
        return;
    if (!images.ok()) {
        m_message->setText(images.error().message);
        update();
        return;
    }
    m_images = images.value();
    m_tag->clear();
    for (const ContainerImage &c : m_images) {
        const QString owner = c.workload.isEmpty() ? QString() : QStringLiteral("%1 %2 · ").arg(c.kind, c.workload);
        m_container->addItem(QStringLiteral("%1%2 — %3").arg(owner, c.container, c.image));
    }
    m_message->setText(m_images.isEmpty() ? tr("%1 has no containers.").arg(path) : QString());
    update();
}

std::optional<BumpRequest> ImageBumpDialog::request() const
{
    const int i = m_container->currentIndex();
    if (i < 0 || i >= m_images.size() || !isValidTag(m_tag->text().trimmed()))
        return std::nullopt;
    const ContainerImage &c = m_images.at(i);
    BumpRequest r;
    r.path = m_manifest->currentText();
    r.selector.container = c.container;
    r.selector.repository = ImageRef::parse(c.image).repository;
    r.tag = m_tag->text().trimmed();
    return r;
}

void ImageBumpDialog::update()
{
    const auto r = request();
    bool same = false;
    if (r) {
        const int i = m_container->currentIndex();
        same = ImageRef::parse(m_images.at(i).image).tag == r->tag;
    }
    m_ok->setEnabled(r.has_value() && !same);
    if (!m_tag->text().isEmpty() && !isValidTag(m_tag->text().trimmed()))
        m_ok->setToolTip(tr("Not a valid image tag"));
    else if (same)
        m_ok->setToolTip(tr("The container already runs this tag"));
    else
        m_ok->setToolTip(QString());
}

}  // namespace pilothouse::widgets

// Status tones to colours, icons and words; the status column delegate.
#include "style/statuspalette.h"

#include "style/icons.h"
#include "style/theme.h"

#include <QLabel>
#include <QStyle>

namespace pilothouse::widgets {

namespace {

Theme::Role roleOf(StatusTone tone)
{
    switch (tone) {
    case StatusTone::Good: return Theme::Role::Success;
    case StatusTone::Progress: return Theme::Role::Info;
    case StatusTone::Paused: return Theme::Role::Paused;
    case StatusTone::Warning: return Theme::Role::Warning;
    case StatusTone::Bad: return Theme::Role::Danger;
    case StatusTone::Neutral: return Theme::Role::Muted;
    case StatusTone::Unknown: break;
    }
    return Theme::Role::Unknown;
}

QColor mix(const QColor &a, const QColor &b, qreal t)
{
    return QColor::fromRgbF(static_cast<float>(a.redF() * (1 - t) + b.redF() * t), static_cast<float>(a.greenF() * (1 - t) + b.greenF() * t),
                            static_cast<float>(a.blueF() * (1 - t) + b.blueF() * t));
}

}  // namespace

QColor StatusPalette::color(StatusTone tone) { return Theme::color(roleOf(tone)); }

QColor StatusPalette::fill(StatusTone tone)
{
    // In the dark theme the text colours are light; a fill a step darker keeps white text readable.
    const QColor c = color(tone);
    return Theme::isDark() ? mix(c, Theme::color(Theme::Role::Surface), 0.35) : c;
}

QColor StatusPalette::onFill(StatusTone tone)
{
    const QColor f = fill(tone);
    const QColor light(0xff, 0xff, 0xff);
    const QColor dark(0x1f, 0x23, 0x28);
    return Theme::contrast(light, f) >= Theme::contrast(dark, f) ? light : dark;
}

QColor StatusPalette::soft(StatusTone tone)
{
    return mix(Theme::color(Theme::Role::Surface), color(tone), Theme::isDark() ? 0.16 : 0.10);
}

QIcon StatusPalette::icon(StatusTone tone) { return Icons::forStatus(tone); }

QIcon StatusPalette::icon(const QString &word)
{
    const QString w = word.trimmed();
    if (w.startsWith(QLatin1String("Waiting")) || w == QLatin1String("PAUSED_PENDING_INPUT"))
        return Icons::get(QStringLiteral("status-waiting"));
    if (w == QLatin1String("OutOfSync"))
        return Icons::get(QStringLiteral("status-outofsync"));
    if (w == QLatin1String("Suspended"))
        return Icons::get(QStringLiteral("status-suspended"));
    return icon(tone(w));
}

QString StatusPalette::text(const QString &word)
{
    static const QHash<QString, QString> words = {
        {QStringLiteral("SUCCESS"), QObject::tr("Success")},
        {QStringLiteral("FAILURE"), QObject::tr("Failed")},
        {QStringLiteral("FAILED"), QObject::tr("Failed")},
        {QStringLiteral("UNSTABLE"), QObject::tr("Unstable")},
        {QStringLiteral("ABORTED"), QObject::tr("Aborted")},
        {QStringLiteral("IN_PROGRESS"), QObject::tr("In progress")},
        {QStringLiteral("QUEUED"), QObject::tr("Queued")},
        {QStringLiteral("PAUSED_PENDING_INPUT"), QObject::tr("Waiting for input")},
        {QStringLiteral("PAUSED"), QObject::tr("Paused")},
        {QStringLiteral("NOT_EXECUTED"), QObject::tr("Not run")},
        {QStringLiteral("NOT_BUILT"), QObject::tr("Not built")},
        {QStringLiteral("SKIPPED"), QObject::tr("Skipped")},
        {QStringLiteral("blue"), QObject::tr("Success")},
        {QStringLiteral("red"), QObject::tr("Failed")},
        {QStringLiteral("yellow"), QObject::tr("Unstable")},
        {QStringLiteral("grey"), QObject::tr("Not built")},
        {QStringLiteral("notbuilt"), QObject::tr("Not built")},
        {QStringLiteral("disabled"), QObject::tr("Disabled")},
        {QStringLiteral("aborted"), QObject::tr("Aborted")},
    };
    if (auto it = words.constFind(word); it != words.cend())
        return it.value();
    if (word.endsWith(QLatin1String("_anime")))
        return QObject::tr("Building");
    return word;
}

void StatusPalette::styleChip(QLabel *label, const QString &word)
{
    label->setObjectName(QStringLiteral("statusChip"));
    label->setProperty("tone", models::statusToneName(tone(word)));
    label->setText(text(word));
    label->style()->unpolish(label);
    label->style()->polish(label);
}

StatusDelegate::StatusDelegate(QObject *parent) : QStyledItemDelegate(parent) {}

void StatusDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    const QString word = index.data(Qt::DisplayRole).toString();
    if (word.isEmpty())
        return;
    const QVariant role = index.data(models::StatusToneRole);
    const StatusTone tone = role.isValid() ? static_cast<StatusTone>(role.toInt()) : StatusPalette::tone(word);
    option->text = StatusPalette::text(word);
    option->icon = role.isValid() ? StatusPalette::icon(tone) : StatusPalette::icon(word);
    option->features |= QStyleOptionViewItem::HasDecoration;
    const int side = option->fontMetrics.height() - 2;
    option->decorationSize = QSize(side, side);
    // The icon is drawn at the left: the word goes right beside it, even in a numeric column.
    option->displayAlignment = Qt::AlignLeft | Qt::AlignVCenter;
    const QColor c = StatusPalette::color(tone);
    option->palette.setColor(QPalette::Text, c);
    option->palette.setColor(QPalette::WindowText, c);
}

}  // namespace pilothouse::widgets

"""The unit's clock stops while the centre rules on a return (``Ticket.clock_stopped_at``),
and a pending extension request that nobody ruled on lapses (event type ``extension_lapsed``,
a state-only change of the event type's choices)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0012_exemptions'),
    ]

    operations = [
        migrations.AddField(
            model_name='ticket',
            name='clock_stopped_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='计时暂停时间'),
        ),
        migrations.AlterField(
            model_name='ticketevent',
            name='type',
            field=models.CharField(choices=[('register', '登记'), ('suggest', '智能推荐'), ('dispatch', '派单'), ('direct_answer', '直办答复'), ('reassign', '改派'), ('request_return', '申请退单'), ('approve_return', '同意退单'), ('reject_return', '驳回退单'), ('sub_dispatch', '下派'), ('submit_part', '协办反馈'), ('accept', '签收'), ('record_contact', '联系诉求人'), ('request_extension', '申请延期'), ('approve_extension', '批准延期'), ('reject_extension', '驳回延期'), ('extension_lapsed', '延期申请失效'), ('reply', '答复'), ('review_pass', '审核通过'), ('review_reject', '审核退回'), ('callback', '回访'), ('rate_online', '网上评价'), ('reopen', '重办'), ('merge', '合并'), ('close_with_master', '随主工单办结'), ('invalidate', '作废'), ('request_exemption', '考核申诉'), ('approve_exemption', '核减通过'), ('reject_exemption', '申诉驳回'), ('urge', '催办'), ('supervise', '督办'), ('assign_leader', '领导包案'), ('escalate', '提级'), ('reveal_caller', '查看来电人信息'), ('attach', '上传附件'), ('attach_public', '群众上传照片'), ('breach', '超时')], max_length=32),
        ),
    ]

//! Accounts, organizations and their members, sessions, the mail outbox and the audit log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum User {
    Table,
    Id,
    Email,
    PasswordHash,
    EmailVerifiedAt,
    IsReviewer,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organization {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Membership {
    Table,
    Id,
    OrganizationId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invite {
    Table,
    Id,
    OrganizationId,
    Email,
    Role,
    TokenHash,
    InvitedBy,
    ExpiresAt,
    AcceptedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AccountToken {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    UserId,
    Data,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum SignInFailure {
    Table,
    Id,
    Email,
    Ip,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OutboxEmail {
    Table,
    Id,
    ToAddress,
    Subject,
    TextBody,
    HtmlBody,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    SentAt,
    LastError,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OrganizationId,
    ActorUserId,
    ActorEmail,
    Action,
    Target,
    Detail,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(User::Table)
                    .col(string(User::Id).primary_key())
                    .col(string_uniq(User::Email))
                    .col(string(User::PasswordHash))
                    .col(timestamp_with_time_zone_null(User::EmailVerifiedAt))
                    .col(boolean(User::IsReviewer).default(false))
                    .col(timestamp_with_time_zone(User::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Organization::Table)
                    .col(string(Organization::Id).primary_key())
                    .col(string(Organization::Name))
                    .col(timestamp_with_time_zone(Organization::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Membership::Table)
                    .col(string(Membership::Id).primary_key())
                    .col(string(Membership::OrganizationId))
                    .col(string(Membership::UserId))
                    .col(string(Membership::Role))
                    .col(timestamp_with_time_zone(Membership::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Membership::Table, Membership::OrganizationId)
                            .to(Organization::Table, Organization::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Membership::Table, Membership::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_membership_organization_user")
                    .table(Membership::Table)
                    .col(Membership::OrganizationId)
                    .col(Membership::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_membership_user")
                    .table(Membership::Table)
                    .col(Membership::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invite::Table)
                    .col(string(Invite::Id).primary_key())
                    .col(string(Invite::OrganizationId))
                    .col(string(Invite::Email))
                    .col(string(Invite::Role))
                    .col(string_uniq(Invite::TokenHash))
                    .col(string(Invite::InvitedBy))
                    .col(timestamp_with_time_zone(Invite::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invite::AcceptedAt))
                    .col(timestamp_with_time_zone_null(Invite::RevokedAt))
                    .col(timestamp_with_time_zone(Invite::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invite::Table, Invite::OrganizationId)
                            .to(Organization::Table, Organization::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_invite_organization")
                    .table(Invite::Table)
                    .col(Invite::OrganizationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccountToken::Table)
                    .col(string(AccountToken::Id).primary_key())
                    .col(string(AccountToken::UserId))
                    .col(string(AccountToken::Purpose))
                    .col(string_uniq(AccountToken::TokenHash))
                    .col(timestamp_with_time_zone(AccountToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(AccountToken::UsedAt))
                    .col(timestamp_with_time_zone(AccountToken::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccountToken::Table, AccountToken::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(string(Session::Id).primary_key())
                    .col(string_null(Session::UserId))
                    .col(text(Session::Data))
                    .col(timestamp_with_time_zone(Session::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_session_user").table(Session::Table).col(Session::UserId).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_session_expires_at")
                    .table(Session::Table)
                    .col(Session::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInFailure::Table)
                    .col(string(SignInFailure::Id).primary_key())
                    .col(string(SignInFailure::Email))
                    .col(string(SignInFailure::Ip))
                    .col(timestamp_with_time_zone(SignInFailure::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sign_in_failure_email")
                    .table(SignInFailure::Table)
                    .col(SignInFailure::Email)
                    .col(SignInFailure::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sign_in_failure_ip")
                    .table(SignInFailure::Table)
                    .col(SignInFailure::Ip)
                    .col(SignInFailure::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OutboxEmail::Table)
                    .col(string(OutboxEmail::Id).primary_key())
                    .col(string(OutboxEmail::ToAddress))
                    .col(string(OutboxEmail::Subject))
                    .col(text(OutboxEmail::TextBody))
                    .col(text(OutboxEmail::HtmlBody))
                    .col(integer(OutboxEmail::Attempts).default(0))
                    .col(timestamp_with_time_zone(OutboxEmail::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(OutboxEmail::LockedUntil))
                    .col(timestamp_with_time_zone_null(OutboxEmail::SentAt))
                    .col(text_null(OutboxEmail::LastError))
                    .col(timestamp_with_time_zone(OutboxEmail::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_email_due")
                    .table(OutboxEmail::Table)
                    .col(OutboxEmail::SentAt)
                    .col(OutboxEmail::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(string(AuditLog::Id).primary_key())
                    .col(string_null(AuditLog::OrganizationId))
                    .col(string_null(AuditLog::ActorUserId))
                    .col(string_null(AuditLog::ActorEmail))
                    .col(string(AuditLog::Action))
                    .col(string(AuditLog::Target))
                    .col(text(AuditLog::Detail))
                    .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_log_organization")
                    .table(AuditLog::Table)
                    .col(AuditLog::OrganizationId)
                    .col(AuditLog::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            OutboxEmail::Table.into_iden(),
            SignInFailure::Table.into_iden(),
            Session::Table.into_iden(),
            AccountToken::Table.into_iden(),
            Invite::Table.into_iden(),
            Membership::Table.into_iden(),
            Organization::Table.into_iden(),
            User::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

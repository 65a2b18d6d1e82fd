//! Loading an object only when the caller may see it: another workspace's objects are "not
//! found", and viewers may read but not write.

use super::caller::Caller;
use crate::AppState;
use crate::error::Result;
use crate::store::bots::{self, Bot};
use crate::store::webhooks::{self, Webhook};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

fn check(caller: &Caller, workspace_id: i64, access: Access) -> Result<()> {
    match access {
        Access::Read => caller.can_read(workspace_id),
        Access::Write => caller.can_write(workspace_id),
    }
}

pub async fn bot(state: &AppState, caller: &Caller, bot_id: i64, access: Access) -> Result<Bot> {
    let bot = bots::get_bot(state.db.pool(), bot_id).await?;
    check(caller, bot.workspace_id, access)?;
    Ok(bot)
}

pub async fn webhook(
    state: &AppState,
    caller: &Caller,
    webhook_id: i64,
    access: Access,
) -> Result<(Bot, Webhook)> {
    let hook = webhooks::get(state.db.pool(), webhook_id).await?;
    let bot = bot(state, caller, hook.bot_id, access).await?;
    Ok((bot, hook))
}

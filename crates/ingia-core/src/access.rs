//! Who may do what in an organization (the organizer console and its API). The server asks
//! [`OrgRole::can`] on every request; pages only hide what the server would refuse anyway.
//!
//! Roles are ordered by power: each can do everything the one below it can.
//! - viewer: the live view, with attendees' initials only;
//! - supervisor: also devices (pair, rename, revoke), gates and conflicts;
//! - manager: also events, attendees, tickets, the audit log and full names in the live view
//!   (everything but members; `watch::sees_names`);
//! - owner: also members, invites and API keys.

/// A member's role in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrgRole {
    Viewer,
    Supervisor,
    Manager,
    Owner,
}

crate::names::named!(OrgRole {
    Viewer = 0 "viewer",
    Supervisor = 1 "supervisor",
    Manager = 2 "manager",
    Owner = 3 "owner",
});

/// What a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Read the event and its live counts (initials, never full names).
    View,
    /// Devices, gates, conflicts (attendees by initials, as for viewers).
    Operate,
    /// Events, attendees, tickets, the audit log.
    Manage,
    /// Members, invites, API keys.
    Members,
}

impl OrgRole {
    /// The least role that may do what `need` names.
    pub const fn least_for(need: Need) -> OrgRole {
        match need {
            Need::View => OrgRole::Viewer,
            Need::Operate => OrgRole::Supervisor,
            Need::Manage => OrgRole::Manager,
            Need::Members => OrgRole::Owner,
        }
    }

    pub fn can(self, need: Need) -> bool {
        self >= OrgRole::least_for(need)
    }

    /// The roles a member holding `self` may give (an owner any; nobody else any).
    pub fn may_grant(self, role: OrgRole) -> bool {
        self.can(Need::Members) && role <= self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_does_what_the_one_below_does_and_more() {
        use Need::*;
        let table = [
            (OrgRole::Viewer, [true, false, false, false]),
            (OrgRole::Supervisor, [true, true, false, false]),
            (OrgRole::Manager, [true, true, true, false]),
            (OrgRole::Owner, [true, true, true, true]),
        ];
        for (role, allowed) in table {
            for (need, ok) in [View, Operate, Manage, Members].into_iter().zip(allowed) {
                assert_eq!(role.can(need), ok, "{role:?} {need:?}");
            }
        }
        assert!(OrgRole::Owner.may_grant(OrgRole::Owner));
        assert!(!OrgRole::Manager.may_grant(OrgRole::Viewer));
        for r in OrgRole::ALL {
            assert_eq!(OrgRole::from_slug(r.slug()), Some(*r));
        }
        assert_eq!(OrgRole::Manager.slug(), "manager");
    }
}

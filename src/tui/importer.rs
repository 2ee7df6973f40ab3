//! The console's campaign import: AJO's cURL read against the config, then added for good.

use crate::ajo::import::{Imported, import_curl, write_imported};
use crate::config::{Campaign, Config};
use crate::mock::MockCampaigns;

/// Previews and adds campaigns imported from a pasted cURL.
pub struct Importer {
    /// The config as loaded, plus the campaigns added since (names and ids stay unique).
    config: Config,
    /// Write added campaigns to `campaigns.d/` (not in the demo, whose config is no file).
    write: bool,
    /// The embedded mock, told about each added campaign so sends to it are accepted.
    mock: Option<MockCampaigns>,
}

impl Importer {
    pub fn new(config: Config, write: bool, mock: Option<MockCampaigns>) -> Importer {
        Importer {
            config,
            write,
            mock,
        }
    }

    /// The entry `text` gives, or what is wrong with it.
    pub fn preview(&self, text: &str) -> Result<Box<Imported>, String> {
        import_curl(text, Some(&self.config))
            .map(Box::new)
            .map_err(|e| e.to_string())
    }

    /// Adds the campaign `text` gives: written to `campaigns.d/` (when writing), known to the
    /// embedded mock; returns it with a sentence saying where it went.
    pub fn add(&mut self, text: &str) -> Result<(Box<Campaign>, String), String> {
        let imported = self.preview(text)?;
        let campaign = imported.campaign.clone();
        let place = if self.write {
            let path = write_imported(&imported, &self.config).map_err(|e| e.to_string())?;
            let profile = match &imported.profile_toml {
                Some(_) => " with a profile for its org (restart to use it)",
                None => "",
            };
            format!("written to {}{profile}", path.display())
        } else {
            if let Some(known) = self.config.campaigns.iter().find(|c| c.id == campaign.id) {
                return Err(format!(
                    "campaign `{}` already has the id `{}`",
                    known.name, campaign.id
                ));
            }
            "for this session (the demo writes no file)".to_string()
        };
        if let Some(mock) = &self.mock {
            mock.add(campaign.clone());
        }
        self.config.campaigns.push(campaign.clone());
        let message = format!("added campaign `{}` {place}", campaign.name);
        Ok((Box::new(campaign), message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    const CURL: &str = "curl -X POST 'https://platform.adobe.io/ajo/im/executions/unitary' \\\n  -d '{\"campaignId\":\"c-9\",\"recipients\":[{\"userId\":\"u\",\"namespace\":\"email\",\"context\":{\"requestPayload\":{\"aps\":{\"event\":\"update\",\"attributes-type\":\"RideAttributes\",\"content-state\":{\"eta\":3}}}}}]}'";

    #[test]
    fn an_import_is_written_next_to_the_config_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("liveact.toml");
        std::fs::write(&path, config::EXAMPLE).unwrap();
        let mut importer = Importer::new(config::load_file(&path).unwrap(), true, None);
        let (campaign, message) = importer.add(CURL).unwrap();
        let written = dir.path().join("campaigns.d/ride.toml");
        assert_eq!(
            message,
            format!("added campaign `ride` written to {}", written.display())
        );
        let reloaded = config::load_file(&path).unwrap();
        assert_eq!(reloaded.campaign("ride").unwrap().id, campaign.id);
        // The same cURL again: a new name is proposed, but the id is taken.
        let again = importer.add(CURL).unwrap_err();
        assert!(again.contains("already has the id `c-9`"), "{again}");
        let files = std::fs::read_dir(dir.path().join("campaigns.d"))
            .unwrap()
            .count();
        assert_eq!(files, 1);
    }

    #[test]
    fn the_demo_adds_for_the_session_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let demo = config::parse(config::EXAMPLE, &dir.path().join("(demo)"), false).unwrap();
        let mut importer = Importer::new(demo, false, None);
        let (_, message) = importer.add(CURL).unwrap();
        assert_eq!(
            message,
            "added campaign `ride` for this session (the demo writes no file)"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let again = importer.add(CURL).unwrap_err();
        assert_eq!(again, "campaign `ride` already has the id `c-9`");
    }
}

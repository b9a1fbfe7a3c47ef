"""The default model agreement (annual operating grant), shipped as data.

Same structure and same obligations as the 2023 agreement of the seed (preamble, articles 1 to
13), written anew. Placeholders (``{{ amount }}``…) are listed in ``clause_engine.PLACEHOLDERS``.
Installed for the Métropole by ``conventions.demo`` through ``clause_template_install``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SectionInput:
    number: str
    title: str
    body: str = ""


DEFAULT_NAME = "Convention annuelle d'objectifs"

DEFAULT_SECTIONS = [
    SectionInput("preambule", "Préambule", """\
{% if preamble %}{{ preamble }}

{% endif %}Ceci exposé, les parties conviennent de ce qui suit."""),

    SectionInput("1", "Objet de la convention et objectifs généraux de l'action", """\
Par la présente convention, {{ beneficiary }} s'engage, de sa propre initiative et sous sa seule responsabilité, à poursuivre les objectifs suivants, conformes à son objet social :
{% for objective in objectives %}- {{ objective }}
{% endfor %}
{% if programme_summary %}Pour l'année {{ fiscal_year }}, son programme s'organise autour des catégories d'actions ci-dessous{% if annex_programme %}, détaillées dans le programme d'actions joint en {{ annex_programme }}{% endif %} :
{% for item in programme_summary %}- {{ item }}
{% endfor %}{% elif annex_programme %}Son programme d'actions pour l'année {{ fiscal_year }} est joint en {{ annex_programme }}.
{% endif %}
{{ beneficiary|capfirst }} engage tous les moyens nécessaires à la bonne réalisation {% if programme_summary or annex_programme %}de ce programme{% else %}de ces objectifs{% endif %}.

En contrepartie, {{ funder }} apporte son soutien financier à la réalisation des objectifs fixés pour l'année {{ fiscal_year }}."""),

    SectionInput("2", "Durée de la convention", """\
La présente convention porte sur l'exercice budgétaire {{ fiscal_year }}. Elle prend effet à compter de sa notification et prend fin, au plus tard, lors du versement du solde de la subvention."""),

    SectionInput("3", "Indépendance de l'association", """\
{{ beneficiary|capfirst }} décide librement de ses actions et conduit seule sa gestion et son administration, y compris pour l'emploi des moyens que lui alloue {{ funder }}. Cette liberté s'exerce dans le respect de ses statuts et par ses propres instances (assemblée générale, conseil d'administration, bureau).

{{ funder|capfirst }} peut toutefois lui demander, à tout moment de l'année, les informations et documents utiles pour vérifier qu'elle tient les engagements qui justifient la subvention.

Les actions décrites à l'article 1 restent sous la responsabilité de {{ beneficiary }} : elle ne peut en confier tout ou partie à un tiers qu'avec l'accord de {{ funder }}.

{{ beneficiary|capfirst }} s'engage également à :
- se conformer à l'ensemble de ses obligations légales, sociales et fiscales ;
- remettre {{ funder_to }} les attestations d'assurance couvrant sa responsabilité civile, notamment pour les activités objet de la présente convention.

Plus généralement, elle doit être à jour de ses obligations envers les organismes sociaux et fiscaux et respecter la législation et la réglementation applicables à son personnel, en particulier en matière de rémunération."""),

    SectionInput("4", "Budget prévisionnel de l'association et participation {{ funder_of }}"),

    SectionInput("4.1", "Budget prévisionnel", """\
{% if annex_budget %}L'{{ annex_budget }} présente le budget prévisionnel global de l'objectif ou de l'action décrit à l'article 1, avec les moyens qui y sont consacrés : les autres financements attendus, en distinguant notamment ceux des collectivités publiques, et les ressources propres de {{ beneficiary }}.{% else %}Aucun budget prévisionnel n'est joint à la présente convention : la participation {{ funder_of }} se rapporte aux dépenses éligibles de l'action.{% endif %}
{% if annex_contributions %}
L'{{ annex_contributions }} présente les contributions non financières dont dispose {{ beneficiary }} pour atteindre ces objectifs (locaux, personnel, matériel mis à disposition, etc.).
{% endif %}
{% if share_of_base %}Les dépenses éligibles de l'action retenues par {{ funder }} (assiette éligible) s'élèvent à {{ eligible_expenses }}.{% else %}D'après l'{{ annex_budget }}, les dépenses éligibles de l'action, c'est-à-dire le total des charges hors contributions volontaires en nature, s'élèvent à {{ eligible_expenses }}. Contributions volontaires en nature comprises, le total des charges atteint {{ total_with_in_kind }}.{% endif %}"""),

    SectionInput("4.2", "Participation {{ funder_of }}", """\
{{ funder|capfirst }} participe {% if amount_is_maximum %}dans la limite de{% else %}à hauteur de{% endif %} **{{ amount }}**, soit {% if share_of_base %}{{ share }} de l'assiette éligible de l'action{% else %}{{ share }} du budget prévisionnel global de {{ beneficiary }} hors contributions volontaires en nature (ou {{ share_with_in_kind }} contributions volontaires en nature comprises){% endif %}.

En application du {{ financial_rules_reference }}, cette participation n'est pas revue à la hausse si les dépenses réelles dépassent les prévisions. Si elles leur sont inférieures, elle est réduite en proportion des dépenses réelles justifiées rapportées aux dépenses prévisionnelles.{% if amount_is_maximum %} Elle ne peut en aucun cas dépasser {{ amount }}, ni les dépenses réelles justifiées de l'action.{% endif %}

Si la convention n'est pas exécutée, l'est avec un retard important, ou si ses conditions d'exécution changent substantiellement sans l'accord écrit de {{ funder }}, celle-ci peut suspendre ou réduire les acomptes et autres versements, revoir le montant de la subvention ou demander le remboursement de tout ou partie des sommes déjà versées.

La dépense est imputée sur le {{ budget_imputation }}. La subvention est versée sur le compte de {{ beneficiary }} selon les règles de la comptabilité publique, à condition que celle-ci respecte ses obligations légales et contractuelles."""),

    SectionInput("4.3", "Modalités de versement", """\
En application du {{ financial_rules_reference }}, la subvention est versée en deux temps :
- un acompte d'au plus {{ advance_cap }} de la subvention votée, soit {{ advance_cap_amount }} au maximum, à la demande de {{ beneficiary }}, une fois la convention signée par les deux parties ;
- le solde, à la demande de {{ beneficiary }}, après remise des pièces énumérées à l'article 6.2.

Chaque demande de versement est complétée et signée par {{ beneficiary }}, qui y certifie la réalité des dépenses et leur emploi conforme à l'objet défini à l'article 1."""),

    SectionInput("5", "Contrôle, suivi, évaluation"),

    SectionInput("5.1", "Contrôle", """\
{{ funder|capfirst }} peut procéder à un contrôle sur place pendant la durée de la convention et à son terme.

Conformément à l'article L. 1611-4 du code général des collectivités territoriales, {{ beneficiary }} donne accès à toutes les pièces justificatives de ses dépenses et à tout autre document utile à ce contrôle. Le refus de les communiquer entraîne le remboursement de la subvention."""),

    SectionInput("5.2", "Suivi", """\
{{ beneficiary|capfirst }} tient {{ funder }} régulièrement informée de la bonne marche des activités décrites à l'article 1, selon des modalités arrêtées d'un commun accord.

{{ funder|capfirst }} peut l'inviter à des réunions de suivi chaque fois qu'elle l'estime utile."""),

    SectionInput("5.3", "Évaluation", """\
{{ funder|capfirst }} évalue, sur le plan quantitatif comme qualitatif, les conditions dans lesquelles {{ beneficiary }} réalise les objectifs qu'elle soutient. Elle peut réunir les deux parties à cette fin à tout moment.

Si {{ beneficiary }} ne respecte pas ses engagements, les services de {{ funder }} lui demandent des explications et, le cas échéant, le remboursement de tout ou partie de la subvention."""),

    SectionInput("5.4", "Renouvellement", """\
Une nouvelle convention ne peut être conclue qu'après remise des pièces prévues à l'article 6.2 et réalisation des contrôles prévus à l'article 5.1."""),

    SectionInput("6", "Obligations comptables – justificatifs à fournir"),

    SectionInput("6.1", "Obligations comptables", """\
Les parties rappellent que :
- {{ beneficiary }} tient un budget et une comptabilité conformes au {{ accounting_regulation }} ;
- lorsque les subventions publiques qu'elle reçoit dépassent 153 000 euros, l'article L. 612-4 du code de commerce l'oblige :
  - à établir chaque année des comptes annuels comprenant un bilan, un compte de résultat et une annexe ;
  - à faire contrôler ces comptes par un commissaire aux comptes, dont elle transmet les rapports {{ funder_to }} en temps utile ;
- lorsque la subvention annuelle dépasse 75 000 euros ou représente plus de la moitié de son budget, son représentant légal certifie la conformité de ses comptes annuels, conformément à l'article L. 2313-1 du code général des collectivités territoriales.

Les comptes portent, le cas échéant, la signature de l'expert-comptable ou du commissaire aux comptes. Si les règles comptables évoluent, {{ beneficiary }} applique les nouvelles dispositions."""),

    SectionInput("6.2", "Justificatifs à fournir", """\
{{ beneficiary|capfirst }}, dont l'exercice comptable dure douze mois consécutifs et se clôt le {{ fiscal_year_end }}, remet {{ funder_to }}, **dans les six mois qui suivent cette clôture, soit au plus tard le {{ justification_deadline }}** :
- **ses comptes annuels et le rapport détaillé du commissaire aux comptes ;**
- **son rapport d'activité de l'année écoulée ;**
- **le procès-verbal de l'assemblée générale qui approuve ces documents ;**
- le compte rendu financier de l'emploi de la subvention (Cerfa n° 15059){% if annex_indicators %} ;
- les indicateurs de l'{{ annex_indicators }}, renseignés pour l'année {{ fiscal_year }}, qu'elle joint à sa demande de solde{% endif %}."""),

    SectionInput("6.3", "Autres engagements", """\
{{ beneficiary|capfirst }} informe {{ funder }} de tout changement dans la composition de son conseil d'administration ou de son bureau, ainsi que de toute modification de ses statuts."""),

    SectionInput("7", "Publicité – communication", """\
Sur tous les supports de communication consacrés aux actions soutenues, {{ beneficiary }} s'engage à faire figurer le logo de {{ funder }}, dans le respect de sa charte graphique, et à mentionner son soutien financier.

{{ funder|capfirst }} peut demander la preuve que cette obligation est respectée (une photographie, par exemple).

{{ beneficiary|capfirst }} fait également état de ce partenariat lors de ses conférences de presse, entretiens et autres prises de parole publiques, et y associe les représentants de {{ funder }} lorsque ces actions sont publiques.

Si ces obligations ne sont pas respectées, {{ funder }} peut exiger le reversement de la subvention."""),

    SectionInput("8", "Reversement, résiliation et litiges", """\
Chaque partie peut résilier de plein droit la présente convention, par lettre recommandée avec accusé de réception, si l'autre manque à ses obligations contractuelles. La résiliation ne prend alors effet qu'un mois après une mise en demeure adressée par lettre recommandée avec accusé de réception et restée sans effet.

{{ funder|capfirst }} peut aussi la résilier de plein droit, par lettre recommandée avec accusé de réception, si {{ beneficiary }} est dissoute ou liquidée, ou si elle ne justifie plus d'une activité relevant de la compétence au titre de laquelle elle est soutenue.

En cas de manquement grave de {{ beneficiary }}, {{ funder }} peut exiger le remboursement des sommes versées, en totalité ou au prorata de la durée non exécutée."""),

    SectionInput("9", "Avenant", """\
Toute modification des conditions ou des modalités d'exécution de la présente convention, décidée d'un commun accord, fait l'objet d'un avenant.

L'avenant précise les points modifiés ; il ne peut remettre en cause les objectifs généraux fixés à l'article 1."""),

    SectionInput("10", "Intangibilité des clauses", """\
Le fait, pour une partie, de tolérer un manquement aux clauses de la présente convention, quelles qu'en soient la durée et la fréquence, ne vaut ni modification ni renonciation à ces clauses."""),

    SectionInput("11", "Intuitu personae", """\
La présente convention est conclue en considération de la personne de {{ beneficiary }} (« intuitu personae ») : celle-ci ne peut céder à quiconque les droits qu'elle en tient."""),

    SectionInput("12", "Recours", """\
Avant tout recours contentieux, les parties s'engagent à se rencontrer pour rechercher une solution amiable.

À défaut, tout litige né de l'exécution de la présente convention relève du {{ court_name }}{% if court_address %}, {{ court_address }}{% endif %}. Celui-ci peut aussi être saisi par voie électronique, au moyen de l'application « Télérecours citoyens » accessible sur le site www.telerecours.fr."""),

    SectionInput("13", "Signatures", """\
La présente convention est établie en deux exemplaires originaux, un pour chacune des parties."""),
]

"""The API's composition root: turns settings into adapters and hands out use cases, and the query
ports that the read routes call directly."""

from dataclasses import dataclass, field
from typing import Self

from arq.connections import ArqRedis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from framewise.application.ports import (
    ArtifactQueries,
    MomentSearch,
    PersonQueries,
    SpeakerQueries,
    TaskQueries,
    VideoQueries,
)
from framewise.application.use_cases.analysis_settings_lister import AnalysisSettingsLister
from framewise.application.use_cases.analysis_settings_remover import AnalysisSettingsRemover
from framewise.application.use_cases.analysis_settings_saver import AnalysisSettingsSaver
from framewise.application.use_cases.cue_lister import CueLister
from framewise.application.use_cases.moment_jumper import MomentJumper
from framewise.application.use_cases.person_face_refuser import PersonFaceRefuser
from framewise.application.use_cases.person_forgetter import PersonForgetter
from framewise.application.use_cases.person_merger import PersonMerger
from framewise.application.use_cases.person_regroup_requester import PersonRegroupRequester
from framewise.application.use_cases.person_renamer import PersonRenamer
from framewise.application.use_cases.run_lister import RunLister
from framewise.application.use_cases.session_bulk_revoker import SessionBulkRevoker
from framewise.application.use_cases.session_finder import SessionFinder
from framewise.application.use_cases.session_lister import SessionLister
from framewise.application.use_cases.session_opener import SessionOpener
from framewise.application.use_cases.session_revoker import SessionRevoker
from framewise.application.use_cases.speaker_merger import SpeakerMerger
from framewise.application.use_cases.speaker_person_accepter import SpeakerPersonAccepter
from framewise.application.use_cases.speaker_renamer import SpeakerRenamer
from framewise.application.use_cases.system_describer import SystemDescriber
from framewise.application.use_cases.task_bulk_canceller import TaskBulkCanceller
from framewise.application.use_cases.task_bulk_retrier import TaskBulkRetrier
from framewise.application.use_cases.task_canceller import TaskCanceller
from framewise.application.use_cases.task_enqueuer import TaskEnqueuer
from framewise.application.use_cases.task_reindexer import TaskReindexer
from framewise.application.use_cases.task_retrier import TaskRetrier
from framewise.application.use_cases.thumbnail_maker import ThumbnailMaker
from framewise.application.use_cases.video_discoverer import VideoDiscoverer
from framewise.application.use_cases.video_file_locator import VideoFileLocator
from framewise.application.use_cases.video_finder import VideoFinder
from framewise.application.use_cases.video_forgetter import VideoForgetter
from framewise.application.use_cases.video_settings_reader import VideoSettingsReader
from framewise.application.use_cases.video_uploader import VideoUploader
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.local_services import JsonFileLocalServices
from framewise.infrastructure.media.av_prober import AvMediaProber
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.media.paths import resolve_roots
from framewise.infrastructure.media.thumbnails import CachedFrameGrabber
from framewise.infrastructure.media.uploads import LocalUploadStorage
from framewise.infrastructure.ml.httpx_model_checker import HttpxModelChecker
from framewise.infrastructure.ml.ml_status import HttpxMlStatus
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.moment_search import SqlMomentSearch
from framewise.infrastructure.postgres.persons import SqlPersonQueries
from framewise.infrastructure.postgres.queries import SqlArtifactQueries, SqlTaskQueries, SqlVideoQueries
from framewise.infrastructure.postgres.speakers import SqlSpeakerQueries
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise.infrastructure.queue.arq_job_queue import ArqJobQueue, open_pool
from framewise.infrastructure.queue.queue_depths import ValkeyQueueDepths
from framewise.infrastructure.queue.regroup_queue import ValkeyRegroupQueue
from framewise.infrastructure.valkey.session_store import ValkeySessionStore
from framewise_api.discovery import DiscoveryScheduler
from framewise_api.rate_limit import ValkeyRateLimiter
from framewise_api.security import token_id
from framewise_api.settings import ApiSettings
from framewise_api.uploads import UploadSlots


@dataclass
class ApiContainer:
    settings: ApiSettings
    roots: list[str]
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    pool: ArqRedis
    uploads: LocalUploadStorage
    rate_limiter: ValkeyRateLimiter
    frames: CachedFrameGrabber
    ml_status: HttpxMlStatus = field(default_factory=lambda: HttpxMlStatus(None))
    model_checker: HttpxModelChecker = field(default_factory=lambda: HttpxModelChecker(None))
    discovery: DiscoveryScheduler = field(init=False)
    upload_slots: UploadSlots = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.upload_slots = UploadSlots(s.upload_concurrency)
        self.discovery = DiscoveryScheduler(
            lambda correlation_id, folder: self.video_discoverer().execute(correlation_id, folder),
            self.pool,
            roots=self.roots,
            interval_s=s.discovery_interval_s,
            settle_s=s.discovery_settle_s,
            watch=s.discovery_watch,
            poll_interval_s=s.discovery_poll_interval_s,
        )

    @classmethod
    async def open(cls, settings: ApiSettings) -> Self:
        roots = resolve_roots(settings.media_roots)
        uploads = LocalUploadStorage(settings.upload_dir or f"{roots[0]}/uploads", roots)
        engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
        pool = await open_pool(settings.valkey_url)
        limiter = ValkeyRateLimiter(pool, settings.rate_limit_window_s)
        frames = CachedFrameGrabber(settings.thumbnail_dir.resolve(), settings.thumbnail_cache_max_bytes)
        token = settings.ml_token.get_secret_value() if settings.ml_token else None
        ml = HttpxMlStatus.create(settings.ml_service_url, token)  # one client for both; ml_status closes it
        ml_status, checker = HttpxMlStatus(ml), HttpxModelChecker(ml)
        sessions = session_factory(engine)
        return cls(settings, roots, engine, sessions, pool, uploads, limiter, frames, ml_status, checker)

    async def close(self) -> None:
        await self.ml_status.close()
        await self.pool.aclose()
        await self.engine.dispose()

    # A read that only asks a store needs no use case: its route calls the query port directly.
    def video_queries(self) -> VideoQueries:
        return SqlVideoQueries(self.sessions)

    def task_queries(self) -> TaskQueries:
        return SqlTaskQueries(self.sessions)

    def artifact_queries(self) -> ArtifactQueries:
        return SqlArtifactQueries(self.sessions)

    def moment_search(self) -> MomentSearch:
        return SqlMomentSearch(self.sessions)

    def person_queries(self) -> PersonQueries:
        return SqlPersonQueries(self.sessions)

    def person_renamer(self) -> PersonRenamer:
        return PersonRenamer(SqlUnitOfWork(self.sessions))

    def person_forgetter(self) -> PersonForgetter:
        return PersonForgetter(SqlUnitOfWork(self.sessions))

    def person_merger(self) -> PersonMerger:
        return PersonMerger(SqlUnitOfWork(self.sessions))

    def person_face_refuser(self) -> PersonFaceRefuser:
        return PersonFaceRefuser(SqlUnitOfWork(self.sessions), SystemClock())

    def person_regroup_requester(self) -> PersonRegroupRequester:
        return PersonRegroupRequester(self.regroup_queue(), SystemClock())

    def speaker_queries(self) -> SpeakerQueries:
        return SqlSpeakerQueries(self.sessions)

    def speaker_renamer(self) -> SpeakerRenamer:
        return SpeakerRenamer(SqlUnitOfWork(self.sessions))

    def speaker_merger(self) -> SpeakerMerger:
        return SpeakerMerger(SqlUnitOfWork(self.sessions))

    def speaker_person_accepter(self) -> SpeakerPersonAccepter:
        return SpeakerPersonAccepter(SqlUnitOfWork(self.sessions))

    def regroup_queue(self) -> ValkeyRegroupQueue:
        return ValkeyRegroupQueue(self.pool)

    def video_discoverer(self) -> VideoDiscoverer:
        return VideoDiscoverer(
            SqlUnitOfWork(self.sessions),
            LocalMediaLibrary(self.roots),
            AvMediaProber(),
            ArqJobQueue(self.pool),
            SystemClock(),
            roots=self.roots,
            settle_s=self.settings.discovery_settle_s,
        )

    def video_uploader(self) -> VideoUploader:
        return VideoUploader(
            SqlUnitOfWork(self.sessions),
            self.uploads,
            LocalMediaLibrary(self.roots),
            AvMediaProber(),
            ArqJobQueue(self.pool),
            SystemClock(),
        )

    def video_forgetter(self) -> VideoForgetter:
        return VideoForgetter(SqlUnitOfWork(self.sessions))

    def video_finder(self) -> VideoFinder:
        return VideoFinder(SqlVideoQueries(self.sessions))

    def task_enqueuer(self) -> TaskEnqueuer:
        return TaskEnqueuer(SqlUnitOfWork(self.sessions), ArqJobQueue(self.pool), SystemClock())

    def task_canceller(self) -> TaskCanceller:
        return TaskCanceller(SqlUnitOfWork(self.sessions), ArqJobQueue(self.pool), SystemClock())

    def task_retrier(self) -> TaskRetrier:
        return TaskRetrier(SqlUnitOfWork(self.sessions), ArqJobQueue(self.pool), SystemClock())

    def moment_jumper(self) -> MomentJumper:
        return MomentJumper(SqlMomentSearch(self.sessions), SqlVideoQueries(self.sessions))

    def video_file_locator(self) -> VideoFileLocator:
        return VideoFileLocator(SqlVideoQueries(self.sessions), LocalMediaLibrary(self.roots))

    def thumbnail_maker(self) -> ThumbnailMaker:
        return ThumbnailMaker(SqlVideoQueries(self.sessions), LocalMediaLibrary(self.roots), self.frames)

    def cue_lister(self) -> CueLister:
        return CueLister(SqlVideoQueries(self.sessions), SqlArtifactQueries(self.sessions))

    def system_describer(self) -> SystemDescriber:
        return SystemDescriber(
            self.ml_status,
            ValkeyQueueDepths(self.pool),
            SqlTaskQueries(self.sessions),
            JsonFileLocalServices(self.settings.services_state_file),
        )

    def analysis_settings_saver(self) -> AnalysisSettingsSaver:
        uow, library = SqlUnitOfWork(self.sessions), LocalMediaLibrary(self.roots)
        return AnalysisSettingsSaver(uow, library, self.model_checker, SystemClock())

    def analysis_settings_remover(self) -> AnalysisSettingsRemover:
        return AnalysisSettingsRemover(SqlUnitOfWork(self.sessions), LocalMediaLibrary(self.roots))

    def analysis_settings_lister(self) -> AnalysisSettingsLister:
        return AnalysisSettingsLister(SqlUnitOfWork(self.sessions))

    def video_settings_reader(self) -> VideoSettingsReader:
        return VideoSettingsReader(SqlUnitOfWork(self.sessions))

    def task_reindexer(self) -> TaskReindexer:
        uow, queue = SqlUnitOfWork(self.sessions), ArqJobQueue(self.pool)
        return TaskReindexer(uow, queue, self.model_checker, LocalMediaLibrary(self.roots), SystemClock())

    def run_lister(self) -> RunLister:
        return RunLister(SqlUnitOfWork(self.sessions))

    def task_bulk_retrier(self) -> TaskBulkRetrier:
        return TaskBulkRetrier(SqlUnitOfWork(self.sessions), ArqJobQueue(self.pool), SystemClock())

    def task_bulk_canceller(self) -> TaskBulkCanceller:
        return TaskBulkCanceller(SqlUnitOfWork(self.sessions), ArqJobQueue(self.pool), SystemClock())

    def session_opener(self) -> SessionOpener:
        return SessionOpener(ValkeySessionStore(self.pool), SystemClock(), ttl_s=self.settings.session_ttl_s)

    def session_finder(self) -> SessionFinder:
        token_ids = [token_id(t) for t in self.settings.api_tokens]
        return SessionFinder(ValkeySessionStore(self.pool), SystemClock(), token_ids)

    def session_lister(self) -> SessionLister:
        return SessionLister(ValkeySessionStore(self.pool), SystemClock())

    def session_revoker(self) -> SessionRevoker:
        return SessionRevoker(ValkeySessionStore(self.pool))

    def session_bulk_revoker(self) -> SessionBulkRevoker:
        return SessionBulkRevoker(ValkeySessionStore(self.pool))

    async def check_database(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def check_valkey(self) -> None:
        await self.pool.ping()
